package dev.quiver.storage;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * An immutable map of a few entries in insertion order, held in two arrays: a payload of a handful
 * of fields costs two small arrays instead of a hash table, its nodes and its views (a point's
 * payload is stored once per point, so this is most of a shard's heap). Lookups scan the keys,
 * which for a few entries is as fast as hashing. Keys are interned: the same field name in a
 * million payloads is one string. Thread-safe.
 */
final class SmallMap<V> extends AbstractMap<String, V> {
  /** Maps larger than this stay hash maps. */
  static final int MAX = 8;

  private final String[] keys;
  private final Object[] values;

  private SmallMap(String[] keys, Object[] values) {
    this.keys = keys;
    this.values = values;
  }

  /**
   * An immutable, insertion-ordered copy of {@code map}: compact up to {@link #MAX} entries, an
   * unmodifiable linked hash map above.
   */
  static <V> Map<String, V> copyOf(Map<String, ? extends V> map) {
    if (map instanceof SmallMap<?>) {
      @SuppressWarnings("unchecked")
      Map<String, V> same = (Map<String, V>) map;
      return same;
    }
    int n = map.size();
    if (n > MAX) {
      return Collections.unmodifiableMap(new LinkedHashMap<>(map));
    }
    String[] keys = new String[n];
    Object[] values = new Object[n];
    int i = 0;
    for (var e : map.entrySet()) {
      String k = e.getKey();
      keys[i] = k.length() <= 64 ? k.intern() : k;
      values[i++] = e.getValue();
    }
    return new SmallMap<>(keys, values);
  }

  @Override
  public int size() {
    return keys.length;
  }

  private int indexOf(Object key) {
    for (int i = 0; i < keys.length; i++) {
      if (keys[i].equals(key)) {
        return i;
      }
    }
    return -1;
  }

  @Override
  public boolean containsKey(Object key) {
    return indexOf(key) >= 0;
  }

  @Override
  @SuppressWarnings("unchecked")
  public V get(Object key) {
    int i = indexOf(key);
    return i < 0 ? null : (V) values[i];
  }

  @Override
  public Set<Entry<String, V>> entrySet() {
    return new AbstractSet<>() {
      @Override
      public int size() {
        return keys.length;
      }

      @Override
      public Iterator<Entry<String, V>> iterator() {
        return new Iterator<>() {
          int next;

          @Override
          public boolean hasNext() {
            return next < keys.length;
          }

          @Override
          @SuppressWarnings("unchecked")
          public Entry<String, V> next() {
            if (next >= keys.length) {
              throw new NoSuchElementException();
            }
            int i = next++;
            return new SimpleImmutableEntry<>(keys[i], (V) values[i]);
          }
        };
      }
    };
  }
}
