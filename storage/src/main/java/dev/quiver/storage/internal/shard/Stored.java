package dev.quiver.storage.internal.shard;

import dev.quiver.storage.PointId;
import dev.quiver.storage.Value;
import dev.quiver.storage.internal.payload.PayloadBytes;
import java.util.Map;

/**
 * A point as a shard holds it: id, version, the slots of its vectors in the spaces, and its
 * payload. A shard holds millions of these, so the layout is the point: the one vector slot most
 * points have is two fields (no map, no boxed slot), and a payload is kept either parsed (a {@link
 * Value.Struct}, read at no cost) or serialized in its encoded bytes and parsed when read, which is
 * a fraction of the heap. The collection's {@code on_disk_payload} chooses, as in Qdrant, where
 * {@code true} (the default) trades a parse on each read for memory.
 *
 * <p>Immutable, so thread-safe.
 */
final class Stored {
  private final PointId id;
  private final long version;

  /** The only vector's name when the point has exactly one, else null. */
  private final String slotName;

  private final int slot;

  /** The slots when the point has none or several, else null. */
  private final Map<String, Integer> slots;

  /** A {@link Value.Struct}, its encoded bytes, or null for an empty payload. */
  private final Object payload;

  private Stored(
      PointId id,
      long version,
      String slotName,
      int slot,
      Map<String, Integer> slots,
      Object payload) {
    this.id = id;
    this.version = version;
    this.slotName = slotName;
    this.slot = slot;
    this.slots = slots;
    this.payload = payload;
  }

  /**
   * A point with {@code slots} and {@code payload}, serialized when {@code serialized}. The names
   * are interned: the same vector name in a million points is one string.
   */
  static Stored of(
      PointId id,
      long version,
      Map<String, Integer> slots,
      Value.Struct payload,
      boolean serialized) {
    Object p = null;
    if (payload != null && !payload.isEmpty()) {
      p = serialized ? PayloadBytes.encode(payload) : payload;
    }
    return new Stored(id, version, null, -1, Map.of(), p).with(version, slots);
  }

  /** This point at {@code version} with {@code slots}, its payload held as it is. */
  Stored with(long version, Map<String, Integer> slots) {
    if (slots.size() == 1) {
      var only = slots.entrySet().iterator().next();
      return new Stored(id, version, only.getKey().intern(), only.getValue(), null, payload);
    }
    return new Stored(id, version, null, -1, Map.copyOf(slots), payload);
  }

  /** Whether {@code other} holds this point's very payload (a write that left it alone). */
  boolean samePayload(Stored other) {
    return payload == other.payload;
  }

  /** This point with its payload held the other way, if {@code serialized} changes it. */
  Stored held(boolean serialized) {
    if (payload == null || (payload instanceof byte[]) == serialized) {
      return this;
    }
    return of(id, version, slots(), payload(), serialized);
  }

  PointId id() {
    return id;
  }

  long version() {
    return version;
  }

  /** The slots of the point's vectors, by name. */
  Map<String, Integer> slots() {
    return slotName != null ? Map.of(slotName, slot) : slots;
  }

  /** The slot of vector {@code name}, or -1 when the point has none. */
  int slotOf(String name) {
    if (slotName != null) {
      return slotName.equals(name) ? slot : -1;
    }
    Integer s = slots.get(name);
    return s == null ? -1 : s;
  }

  /** Whether the point has vector {@code name}. */
  boolean hasVector(String name) {
    return slotOf(name) >= 0;
  }

  /** The payload (empty when it has none), parsed if it is held serialized. */
  Value.Struct payload() {
    return switch (payload) {
      case null -> Value.Struct.EMPTY;
      case Value.Struct s -> s;
      case byte[] bytes -> PayloadBytes.decode(bytes);
      default -> throw new IllegalStateException(payload.getClass().getName());
    };
  }

  /** The payload's size in its compact serialized form, however it is held; 0 when empty. */
  long payloadBytes() {
    return switch (payload) {
      case null -> 0;
      case byte[] bytes -> bytes.length;
      case Value.Struct s -> PayloadBytes.size(s);
      default -> throw new IllegalStateException(payload.getClass().getName());
    };
  }
}
