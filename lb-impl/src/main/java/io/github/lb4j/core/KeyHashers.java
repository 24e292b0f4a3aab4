package io.github.lb4j.core;

import io.github.lb4j.KeyHasher;

/**
 * Built-in {@link KeyHasher}s. All are pure and thread safe, and allocate nothing for {@code
 * String} keys.
 *
 * <ul>
 *   <li>{@link #defaultHasher()}: the key's {@code String.hashCode()} (for another kind of {@code
 *       CharSequence}, the same polynomial over its characters), spread to 64 bits by MurmurHash3's
 *       finalizer. {@code String.hashCode()} is specified by the JDK, so the hash is the same on
 *       every JVM, and a {@code String} caches it: a key used again (a user id held by the caller,
 *       an interned header value) costs one field read and the finalizer. Keys whose {@code
 *       hashCode()} collide go to the same endpoint, which for balancing is harmless: a caller who
 *       wants an endpoint can find keys for it with any unkeyed hash.
 *   <li>{@link #murmur3()}: the MurmurHash3 64-bit mixing steps applied to the key's UTF-16 code
 *       units four at a time, then MurmurHash3's finalizer: 64 bits from every character, computed
 *       on every call.
 *   <li>{@link #fnv1a()}: 64-bit FNV-1a over the key's UTF-8 bytes: a classic, simple alternative.
 *   <li>{@link #javaHashCode()}: {@code String.hashCode()} widened to 64 bits with no mixing, the
 *       naive choice, kept to show what a weak hash does to a ring.
 * </ul>
 *
 * <p>The consistent-hash ring places endpoints by a 64-bit MurmurHash3 of their ids whatever the
 * key hasher, so that two endpoints never share their points.
 */
public final class KeyHashers {
  private static final long SEED = 0x9368e53c2f6af274L;
  private static final long C1 = 0x87c37b91114253d5L;
  private static final long C2 = 0x4cf5ad432745937fL;
  private static final long FNV_OFFSET = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;

  private KeyHashers() {}

  /** {@return the default hasher of hashing pickers; see the class documentation} */
  public static KeyHasher defaultHasher() {
    return KeyHashers::spreadHashCode;
  }

  /**
   * MurmurHash3's mixing over every character of the key, on every call; see the class
   * documentation.
   *
   * @return the hasher, stateless and thread safe
   */
  public static KeyHasher murmur3() {
    return key -> murmurMix(key);
  }

  /**
   * 64-bit FNV-1a over the UTF-8 encoding of the key (unpaired surrogates encoded as is).
   *
   * @return the FNV-1a hasher
   */
  public static KeyHasher fnv1a() {
    return KeyHashers::fnv1a;
  }

  /**
   * {@code key.toString().hashCode()}, unmixed; only for comparisons.
   *
   * @return the {@code String.hashCode} hasher
   */
  public static KeyHasher javaHashCode() {
    return KeyHashers::hashCodeOf;
  }

  /** {@code String.hashCode()} of the key's characters; the cached value for a {@code String}. */
  private static int hashCodeOf(CharSequence key) {
    if (key instanceof String s) {
      return s.hashCode();
    }
    int h = 0;
    for (int i = 0, n = key.length(); i < n; i++) {
      h = 31 * h + key.charAt(i);
    }
    return h;
  }

  /** The default hash: {@link #hashCodeOf} through MurmurHash3's finalizer (a bijection). */
  static long spreadHashCode(CharSequence key) {
    return fmix64(SEED ^ (hashCodeOf(key) & 0xffffffffL) * C1);
  }

  /**
   * The default hash of any {@code CharSequence}: its {@code String} form's (a copy for other kinds
   * of sequence, which are rare as keys; a {@code String} is hashed as it is).
   */
  static long murmurMix(CharSequence key) {
    return murmurMix(key instanceof String s ? s : key.toString());
  }

  /**
   * MurmurHash3's mixing steps over the key's UTF-16 code units, four at a time, then its
   * finalizer. Written for {@code String}, so the compiler specializes {@code charAt} (about a
   * fifth faster on 36-character keys than going through the {@code CharSequence} interface).
   */
  static long murmurMix(String key) {
    int length = key.length();
    long h = SEED ^ length * C1;
    int i = 0;
    for (; i + 4 <= length; i += 4) {
      long k =
          key.charAt(i)
              | (long) key.charAt(i + 1) << 16
              | (long) key.charAt(i + 2) << 32
              | (long) key.charAt(i + 3) << 48;
      h ^= mixK(k);
      h = Long.rotateLeft(h, 27) * 5 + 0x52dce729;
    }
    if (i < length) {
      long k = 0;
      for (int shift = 0; i < length; i++, shift += 16) {
        k |= (long) key.charAt(i) << shift;
      }
      h ^= mixK(k);
    }
    return fmix64(h ^ length);
  }

  private static long mixK(long k) {
    k *= C1;
    k = Long.rotateLeft(k, 31);
    return k * C2;
  }

  /** MurmurHash3's 64-bit finalizer: every input bit affects every output bit. */
  static long fmix64(long h) {
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }

  static long fnv1a(CharSequence key) {
    long h = FNV_OFFSET;
    for (int i = 0, n = key.length(); i < n; i++) {
      char c = key.charAt(i);
      if (c < 0x80) {
        h = (h ^ c) * FNV_PRIME;
      } else if (c < 0x800) {
        h = (h ^ (0xc0 | c >> 6)) * FNV_PRIME;
        h = (h ^ (0x80 | (c & 0x3f))) * FNV_PRIME;
      } else if (Character.isHighSurrogate(c)
          && i + 1 < n
          && Character.isLowSurrogate(key.charAt(i + 1))) {
        int cp = Character.toCodePoint(c, key.charAt(++i));
        h = (h ^ (0xf0 | cp >> 18)) * FNV_PRIME;
        h = (h ^ (0x80 | (cp >> 12 & 0x3f))) * FNV_PRIME;
        h = (h ^ (0x80 | (cp >> 6 & 0x3f))) * FNV_PRIME;
        h = (h ^ (0x80 | (cp & 0x3f))) * FNV_PRIME;
      } else {
        h = (h ^ (0xe0 | c >> 12)) * FNV_PRIME;
        h = (h ^ (0x80 | (c >> 6 & 0x3f))) * FNV_PRIME;
        h = (h ^ (0x80 | (c & 0x3f))) * FNV_PRIME;
      }
    }
    return h;
  }
}
