package io.github.lb4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.lb4j.KeyHasher;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

final class KeyHashersTest {

  /** Golden values: a changed hash silently remaps every key of every user, so pin them. */
  @Test
  void defaultHasher_goldenValues() {
    KeyHasher h = KeyHashers.defaultHasher();
    assertEquals(0xdc7ef3b1567ca2afL, h.hash(""));
    assertEquals(0x6d26f7935b839fd9L, h.hash("a"));
    assertEquals(0x6205597b198e79c0L, h.hash("tile-3-7"));
    assertEquals(0x3e9fd204780340bbL, h.hash("0f8fad5b-d9cb-469f-a165-70867728950e"));
  }

  @Test
  void defaultHasher_isStringHashCodeSpread() {
    String key = "0f8fad5b-d9cb-469f-a165-70867728950e";
    String sameHashCode = "Aa" + key;
    assertEquals(("BB" + key).hashCode(), sameHashCode.hashCode());
    assertEquals(
        KeyHashers.defaultHasher().hash("BB" + key), KeyHashers.defaultHasher().hash(sameHashCode));
    assertNotEquals(KeyHashers.murmur3().hash("BB" + key), KeyHashers.murmur3().hash(sameHashCode));
  }

  @Test
  void murmur3_goldenValues() {
    KeyHasher h = KeyHashers.murmur3();
    assertEquals(0xdc7ef3b1567ca2afL, h.hash(""));
    assertEquals(0xc8f8ce3ce9b0bef7L, h.hash("a"));
    assertEquals(0xf8d6e28dab287e23L, h.hash("tile-3-7"));
    assertEquals(0x114d44d6d0ab022eL, h.hash("0f8fad5b-d9cb-469f-a165-70867728950e"));
    assertEquals(h.hash("tile-3-7"), h.hash(new StringBuilder("tile-3-7")));
  }

  /** FNV-1a 64 reference values (offset basis for the empty string). */
  @Test
  void fnv1a_matchesReferenceValues() {
    KeyHasher h = KeyHashers.fnv1a();
    assertEquals(0xcbf29ce484222325L, h.hash(""));
    assertEquals(0xaf63dc4c8601ec8cL, h.hash("a"));
    // Non-ASCII is hashed as UTF-8: "é" is 0xc3 0xa9.
    long expected = ((0xcbf29ce484222325L ^ 0xc3) * 0x100000001b3L ^ 0xa9) * 0x100000001b3L;
    assertEquals(expected, h.hash("é"));
  }

  @Test
  void defaultHasher_charSequenceAndStringAgree() {
    KeyHasher h = KeyHashers.defaultHasher();
    assertEquals(h.hash("tile-3-7"), h.hash(new StringBuilder("tile-3-7")));
  }

  @Test
  void defaultHasher_similarKeys_spreadOverTheTopBits() {
    // Ring lookups bucket on the top bits; sequential keys must not cluster there.
    Set<Long> topBytes = new HashSet<>();
    for (int i = 0; i < 4096; i++) {
      topBytes.add(KeyHashers.defaultHasher().hash("key-" + i) >>> 56);
    }
    assertTrue(topBytes.size() > 250, "distinct top bytes: " + topBytes.size());
  }

  @Test
  void javaHashCode_isStringHashCode() {
    assertEquals("tile".hashCode(), KeyHashers.javaHashCode().hash("tile"));
  }
}
