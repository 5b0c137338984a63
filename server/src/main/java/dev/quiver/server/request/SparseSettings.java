package dev.quiver.server.request;

import dev.quiver.storage.SparseVectorParams;
import java.util.Locale;

/**
 * The sparse vector settings both edges accept: the inverted index lives on the heap ({@code
 * memory: pinned}, the default), or in compressed memory-mapped files ({@code on_disk: true},
 * {@code memory: cold}, or {@code cached}: files the OS is asked to load), with float32 weights; a
 * {@code datatype} other than {@code float32} is refused by name rather than accepted and ignored.
 * Stateless (static methods only), so thread-safe.
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
      String datatype,
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
    if (datatype != null && !datatype.equalsIgnoreCase("float32")) {
      throw unsupported(path + ".index.datatype", datatype);
    }
    return new SparseVectorParams(fullScanThreshold, onDisk, modifier, placement);
  }

  /** A {@code modifier} by its wire name (either case), or null for an unknown one. */
  public static SparseVectorParams.Modifier modifier(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "none" -> SparseVectorParams.Modifier.NONE;
      case "idf" -> SparseVectorParams.Modifier.IDF;
      default -> null;
    };
  }

  private static RequestException.Unsupported unsupported(String field, String value) {
    return new RequestException.Unsupported(
        "Bad request: `"
            + field
            + "` = "
            + value
            + " is not supported by Quiver: sparse index weights are float32");
  }
}
