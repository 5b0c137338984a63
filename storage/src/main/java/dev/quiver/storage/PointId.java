package dev.quiver.storage;

import java.util.Objects;
import java.util.UUID;

/**
 * A point's identifier, as in Qdrant: an unsigned 64-bit integer or a UUID. Immutable and
 * thread-safe.
 */
public sealed interface PointId extends Comparable<PointId> {

  /**
   * An unsigned 64-bit integer id, held in a signed {@code long} (compare with {@link
   * Long#compareUnsigned}).
   */
  record Num(long value) implements PointId {
    @Override
    public String toString() {
      return Long.toUnsignedString(value);
    }
  }

  /** A UUID id. */
  record Uuid(UUID value) implements PointId {
    public Uuid {
      Objects.requireNonNull(value, "value");
    }

    @Override
    public String toString() {
      return value.toString();
    }
  }

  static PointId of(long unsignedValue) {
    return new Num(unsignedValue);
  }

  static PointId of(UUID uuid) {
    return new Uuid(uuid);
  }

  /**
   * A hash of the id that is the same on every node, in every release and across restarts (never
   * {@code Object.hashCode}): shard routing rests on it.
   */
  default long stableHash() {
    return switch (this) {
      case Num n -> mix(n.value());
      case Uuid u ->
          mix(u.value().getMostSignificantBits() ^ mix(u.value().getLeastSignificantBits()));
    };
  }

  /** SplitMix64's finaliser: every input bit affects every output bit. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** Integer ids sort before UUIDs, as in Qdrant's scroll order. */
  @Override
  default int compareTo(PointId other) {
    return switch (this) {
      case Num a ->
          switch (other) {
            case Num b -> Long.compareUnsigned(a.value(), b.value());
            case Uuid b -> -1;
          };
      case Uuid a ->
          switch (other) {
            case Num b -> 1;
            case Uuid b -> a.value().compareTo(b.value());
          };
    };
  }
}
