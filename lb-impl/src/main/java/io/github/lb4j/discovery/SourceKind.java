package io.github.lb4j.discovery;

import io.github.lb4j.internal.Checks;
import java.util.Objects;
import java.util.function.Function;

/**
 * One form of the one-line source descriptions that {@link Discovery#parse(String, java.util.List)}
 * reads, such as {@code dns:NAME:PORT}: the way a module adds its sources to command lines and
 * configuration files. {@code lb-dns} adds {@code dns} and {@code dns-srv}.
 *
 * <p>Threading: implementations must be safe to use from any thread; they are usually stateless
 * constants.
 */
public interface SourceKind {

  /**
   * The text before the first colon, such as {@code dns}; no colon, not blank.
   *
   * @return the kind's name
   */
  String name();

  /**
   * The form for error messages and help, such as {@code dns:NAME:PORT[@SERVER]}.
   *
   * @return the kind's form
   */
  String form();

  /**
   * A source from the text after the first colon.
   *
   * @param rest the text after {@code name() + ":"}, not empty
   * @return the source it describes
   * @throws IllegalArgumentException saying what is wrong with {@code rest}; {@link
   *     Discovery#parse} adds the whole description and the expected forms
   */
  EndpointSource parse(String rest);

  /**
   * A kind from its parts.
   *
   * @param name the text before the colon, such as {@code dns}
   * @param form the form for messages, such as {@code dns:NAME:PORT[@SERVER]}
   * @param parser builds a source from the text after the colon, throwing {@link
   *     IllegalArgumentException} when it cannot
   * @return the kind
   * @throws IllegalArgumentException when {@code name} is blank or has a colon, or {@code form} is
   *     blank
   */
  static SourceKind of(String name, String form, Function<String, EndpointSource> parser) {
    Checks.notBlank("name", name);
    if (name.indexOf(':') >= 0) {
      throw new IllegalArgumentException("name: '" + name + "' (expected: no colon)");
    }
    Checks.notBlank("form", form);
    Objects.requireNonNull(parser, "parser");
    return new SourceKind() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public String form() {
        return form;
      }

      @Override
      public EndpointSource parse(String rest) {
        return parser.apply(rest);
      }

      @Override
      public String toString() {
        return form;
      }
    };
  }
}
