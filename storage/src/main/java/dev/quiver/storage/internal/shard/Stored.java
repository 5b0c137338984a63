package dev.quiver.storage.internal.shard;

import dev.quiver.storage.PointId;
import dev.quiver.storage.Value;
import dev.quiver.storage.internal.payload.PayloadBytes;
import dev.quiver.storage.internal.payload.PayloadLog;
import java.util.Map;
import java.util.Set;

/**
 * A point as a shard holds it: id, version, the slots of its vectors in the spaces, and its
 * payload. A shard holds millions of these, so the layout is the point: the one vector slot most
 * points have is two fields (no map, no boxed slot), and a payload is kept either parsed on the
 * heap (a {@link Value.Struct}, read at no cost) or on disk in the shard's {@link PayloadLog} (a
 * {@link PayloadLog.Ref} of 24 bytes on the heap, read from the mapped file and parsed on each
 * read). The collection's {@code on_disk_payload} chooses, as in Qdrant, where {@code true} (the
 * default) trades a parse on each read for memory.
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

  /** A {@link Value.Struct}, a {@link PayloadLog.Ref} to its encoded bytes, or null for none. */
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
   * A point with {@code slots} and {@code payload}, written to {@code disk} when there is one, else
   * held parsed. The names are interned: the same vector name in a million points is one string.
   */
  static Stored of(
      PointId id, long version, Map<String, Integer> slots, Value.Struct payload, PayloadLog disk) {
    return new Stored(id, version, null, -1, Map.of(), hold(payload, disk)).with(version, slots);
  }

  private static Object hold(Value.Struct payload, PayloadLog disk) {
    if (payload == null || payload.isEmpty()) {
      return null;
    }
    return disk == null ? payload : disk.append(PayloadBytes.encode(payload));
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

  /** This point with its payload on {@code disk}, or parsed on the heap when that is null. */
  Stored held(PayloadLog disk) {
    if (payload == null || (payload instanceof PayloadLog.Ref) == (disk != null)) {
      return this;
    }
    return new Stored(id, version, slotName, slot, slots, hold(payload(), disk));
  }

  /**
   * This point with its payload appended to {@code disk} again if it lies in one of {@code victims}
   * (chunks being given up), else this point.
   */
  Stored movedOff(Set<PayloadLog.Chunk> victims, PayloadLog disk) {
    if (payload instanceof PayloadLog.Ref ref && victims.contains(ref.chunk())) {
      return new Stored(id, version, slotName, slot, slots, disk.append(ref.bytes()));
    }
    return this;
  }

  /** Where the payload is on disk, or null when it is empty or held parsed. */
  PayloadLog.Ref onDisk() {
    return payload instanceof PayloadLog.Ref ref ? ref : null;
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
      case PayloadLog.Ref ref -> ref.payload();
      default -> throw new IllegalStateException(payload.getClass().getName());
    };
  }

  /** The payload's size in its compact serialized form, however it is held; 0 when empty. */
  long payloadBytes() {
    return switch (payload) {
      case null -> 0;
      case PayloadLog.Ref ref -> ref.length();
      case Value.Struct s -> PayloadBytes.size(s);
      default -> throw new IllegalStateException(payload.getClass().getName());
    };
  }
}
