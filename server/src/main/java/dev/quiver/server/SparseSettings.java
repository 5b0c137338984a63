package dev.quiver.server;

import dev.quiver.storage.SparseVectorParams;
import java.util.Locale;

/**
 * The sparse vector settings both edges accept: the inverted index lives on the heap, or with
 * {@code on_disk: true} in compressed memory-mapped files, with float32 weights; a {@code memory}
 * other than {@code pinned} and a {@code datatype} other than {@code float32} are refused by name
 * rather than accepted and ignored.
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
    if (memory != null && !memory.equalsIgnoreCase("pinned")) {
      throw unsupported(path + ".index.memory", memory);
    }
    if (datatype != null && !datatype.equalsIgnoreCase("float32")) {
      throw unsupported(path + ".index.datatype", datatype);
    }
    return new SparseVectorParams(fullScanThreshold, onDisk, modifier);
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
