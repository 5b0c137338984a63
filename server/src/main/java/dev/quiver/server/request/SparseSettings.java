package dev.quiver.server.request;

import dev.quiver.storage.SparseVectorParams;
import dev.quiver.storage.VectorDatatype;
import java.util.Locale;

/**
 * The sparse vector settings both edges accept: the inverted index lives on the heap ({@code
 * memory: pinned}, the default), or in compressed memory-mapped files ({@code on_disk: true},
 * {@code memory: cold}, or {@code cached}: files the OS is asked to load), its weights as the
 * {@code datatype} says (float32, float16 or uint8). Stateless (static methods only), so
 * thread-safe.
 */
public final class SparseSettings {
  private SparseSettings() {}

  /**
   * The parameters of a sparse vector; null arguments were not given.
   *
   * @param path where the settings sit in the request, for the error message
   */
  public static SparseVectorParams params(
      String path,
      Integer fullScanThreshold,
      Boolean onDisk,
      String memory,
      VectorDatatype datatype,
      SparseVectorParams.Modifier modifier) {
    SparseVectorParams.Memory placement = null;
    if (memory != null) {
      placement =
          switch (memory) {
            case "cold" -> SparseVectorParams.Memory.COLD;
            case "cached" -> SparseVectorParams.Memory.CACHED;
            case "pinned" -> SparseVectorParams.Memory.PINNED;
            default ->
                throw new RequestException.Malformed(
                    "Format error in JSON body: unknown variant `"
                        + memory
                        + "`, expected one of `cold`, `cached`, `pinned` at `"
                        + path
                        + ".index.memory`");
          };
    }
    return new SparseVectorParams(fullScanThreshold, onDisk, modifier, placement, datatype);
  }

  /** A {@code modifier} by its wire name (either case), or null for an unknown one. */
  public static SparseVectorParams.Modifier modifier(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "none" -> SparseVectorParams.Modifier.NONE;
      case "idf" -> SparseVectorParams.Modifier.IDF;
      default -> null;
    };
  }
}
