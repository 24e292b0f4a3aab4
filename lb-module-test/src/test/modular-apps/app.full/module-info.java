// An application that uses every published lb4j module.
module app.full {
  requires io.github.lb4j.okhttp;
  requires io.github.lb4j.jdkhttp;
  requires io.github.lb4j.dns;
  requires io.github.lb4j.testing;
}
