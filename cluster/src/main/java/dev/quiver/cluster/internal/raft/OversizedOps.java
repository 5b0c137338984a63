package dev.quiver.cluster.internal.raft;

import dev.quiver.storage.PointSelector;
import dev.quiver.storage.ShardCodec;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.UpdateOp;
import dev.quiver.storage.UpdateOpCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Encodes a shard's operation for its Raft log, split by points into several operations when it is
 * larger than one log entry takes (Ratis refuses an entry above its limit, and a request body may
 * be several times that). Each part is an operation of the same kind on some of the points, applied
 * in order; an operation on one point (or a filter) that is still too large is refused. What a
 * split gives up: a large {@code update_vectors} is checked for missing points part by part, so an
 * earlier part may be applied when a later one finds a point missing. Stateless.
 */
final class OversizedOps {
  private OversizedOps() {}

  /**
   * {@code op} encoded, as one operation when it fits in {@code maxBytes}, else as the parts of its
   * split, in order.
   *
   * @throws StorageException.BadInput when a part on a single point (or a filter) does not fit
   */
  static List<byte[]> encode(UpdateOp op, int maxBytes) {
    List<byte[]> out = new ArrayList<>();
    encode(op, maxBytes, out);
    return out;
  }

  private static void encode(UpdateOp op, int maxBytes, List<byte[]> out) {
    byte[] bytes = ShardCodec.write(o -> UpdateOpCodec.write(o, op));
    if (bytes.length <= maxBytes) {
      out.add(bytes);
      return;
    }
    List<UpdateOp> halves = halves(op);
    if (halves.isEmpty()) {
      throw new StorageException.BadInput(
          "an update of "
              + bytes.length
              + " bytes for one point exceeds the largest entry of a shard's log ("
              + maxBytes
              + " bytes); send smaller payloads or vectors");
    }
    for (UpdateOp half : halves) {
      encode(half, maxBytes, out);
    }
  }

  /** The operation on the first and on the second half of its points; none if it cannot split. */
  private static List<UpdateOp> halves(UpdateOp op) {
    return switch (op) {
      case UpdateOp.Upsert u ->
          split(u.points(), ps -> new UpdateOp.Upsert(ps, u.mode(), u.updateFilter()));
      case UpdateOp.UpdateVectors u ->
          split(u.points(), ps -> new UpdateOp.UpdateVectors(ps, u.updateFilter()));
      case UpdateOp.DeletePoints d -> split(d.ids(), UpdateOp.DeletePoints::new);
      case UpdateOp.SetPayload s ->
          split(s.selector(), sel -> new UpdateOp.SetPayload(sel, s.payload(), s.key()));
      case UpdateOp.OverwritePayload o ->
          split(o.selector(), sel -> new UpdateOp.OverwritePayload(sel, o.payload()));
      case UpdateOp.DeletePayload d ->
          split(d.selector(), sel -> new UpdateOp.DeletePayload(sel, d.keys()));
      case UpdateOp.DeleteVectors d ->
          split(d.selector(), sel -> new UpdateOp.DeleteVectors(sel, d.names()));
      case UpdateOp.ClearPayload c -> split(c.selector(), UpdateOp.ClearPayload::new);
      case UpdateOp.DeleteByFilter d -> List.of();
    };
  }

  private static <T> List<UpdateOp> split(List<T> items, Function<List<T>, UpdateOp> make) {
    if (items.size() < 2) {
      return List.of();
    }
    int mid = items.size() / 2;
    return List.of(make.apply(items.subList(0, mid)), make.apply(items.subList(mid, items.size())));
  }

  private static List<UpdateOp> split(
      PointSelector selector, Function<PointSelector, UpdateOp> make) {
    return selector instanceof PointSelector.Ids ids
        ? split(ids.ids(), part -> make.apply(new PointSelector.Ids(part)))
        : List.of();
  }
}
