package dev.quiver.storage;

import java.util.Objects;

/**
 * A user-defined shard key of a collection with custom sharding: a string or a non-negative
 * integer, as in Qdrant. Points written with a key go to the shards created for it. Its cases are
 * immutable values.
 */
public sealed interface ShardKey extends Comparable<ShardKey> {

  record Keyword(String value) implements ShardKey {
    public Keyword {
      Objects.requireNonNull(value, "value");
    }

    @Override
    public String toString() {
      return value;
    }
  }

  record Number(long value) implements ShardKey {
    public Number {
      if (value < 0) {
        throw new IllegalArgumentException("a numeric shard key must be >= 0");
      }
    }

    @Override
    public String toString() {
      return Long.toString(value);
    }
  }

  /** Numbers before strings, then natural order (a stable order for listings). */
  @Override
  default int compareTo(ShardKey o) {
    if (this instanceof Number a && o instanceof Number b) {
      return Long.compare(a.value(), b.value());
    }
    if (this instanceof Keyword a && o instanceof Keyword b) {
      return a.value().compareTo(b.value());
    }
    return this instanceof Number ? -1 : 1;
  }
}
