package dev.quiver.server.request;

import dev.quiver.storage.SparseVector;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.TextAnalyzer;
import dev.quiver.storage.Value;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.StringHelper;

/**
 * Qdrant's local BM25 model ({@code "model": "qdrant/bm25"} or {@code "bm25"}, either case): a
 * {@code Document}'s text becomes a sparse vector in the node, as Qdrant and FastEmbed's {@code
 * Qdrant/bm25} make it, so vectors made by clients or migrated from Qdrant line up. The text goes
 * through the same {@link TextAnalyzer} as full-text indexes: the options' tokenizer, lower-casing,
 * ASCII folding, stop words and Snowball stemmer (by default those of {@code language}, English
 * when unset; {@code none}: neither) and length bounds; each token's dimension is {@code
 * |murmur3_32(token)|}. A document weighs each token {@code tf (k + 1) / (tf + k (1 - b + b len /
 * avg_len))}; a query weighs each distinct token 1.0, and the collection's {@code idf} modifier
 * does the rest. Thread-safe.
 */
public final class Bm25 {
  private static final Set<String> OPTIONS =
      Set.of(
          "k",
          "b",
          "avg_len",
          "tokenizer",
          "language",
          "lowercase",
          "ascii_folding",
          "stopwords",
          "stemmer",
          "min_token_len",
          "max_token_len");

  private final double k;
  private final double b;
  private final double avgLen;
  private final TextAnalyzer analyzer;

  private Bm25(Value.Struct options, String path) {
    Map<String, Value> o = options == null ? Map.of() : options.fields();
    for (String key : o.keySet()) {
      if (!OPTIONS.contains(key)) {
        throw unsupported(path + ".options." + key, "is not an option of the BM25 model");
      }
    }
    k = number(o, "k", 1.2, path);
    b = number(o, "b", 0.75, path);
    avgLen = number(o, "avg_len", 256, path);
    if (k < 0 || b < 0 || b > 1 || !(avgLen > 0)) {
      throw new RequestException.Invalid(
          "body", path + ".options", "k must be >= 0, b in [0, 1] and avg_len > 0");
    }
    String language = text(o, "language", "english", path).toLowerCase(Locale.ROOT);
    try {
      boolean none = language.equals("none");
      Set<String> defaultStopwords = none ? Set.of() : TextAnalyzer.languageStopwords(language);
      String defaultStemmer = none || !TextAnalyzer.hasStemmer(language) ? null : language;
      analyzer =
          new TextAnalyzer(
              TextAnalyzer.Tokenizer.of(text(o, "tokenizer", "word", path)),
              bool(o, "lowercase", true, path),
              bool(o, "ascii_folding", false, path),
              length(o, "min_token_len", path),
              length(o, "max_token_len", path),
              TextAnalyzer.stopwords(o.get("stopwords"), defaultStopwords),
              TextAnalyzer.stemmer(o.get("stemmer"), defaultStemmer),
              false);
    } catch (StorageException.BadInput e) {
      throw new RequestException.Unsupported(
          "Bad request: `" + path + ".options`: " + e.getMessage());
    }
  }

  /**
   * The refusal of an image or object to embed: the only model here is BM25, for documents (text).
   */
  public static RequestException.Unsupported imagesAndObjects() {
    return new RequestException.Unsupported(
        "Bad request: Quiver embeds documents (text) with the BM25 model only; images and objects"
            + " are not supported: send vectors");
  }

  /** Whether {@code model} names the local BM25 model. */
  public static boolean isModel(String model) {
    String m = model.toLowerCase(Locale.ROOT);
    return m.equals("qdrant/bm25") || m.equals("bm25");
  }

  /**
   * The sparse vector of a document to store; {@code where} names the part of the request for
   * validation errors ("JSON body", "body").
   *
   * @throws RequestException for another model or options it does not know
   */
  public static SparseVector document(
      String text, String model, Value.Struct options, String where, String path) {
    return of(model, options, path).documentVector(text, where, path);
  }

  /** The sparse vector of a query: each distinct token weighs 1. */
  public static SparseVector query(
      String text, String model, Value.Struct options, String where, String path) {
    return of(model, options, path).queryVector(text, where, path);
  }

  /** The model with {@code options} (for tests of its tokens). */
  static Bm25 configured(Value.Struct options) {
    return new Bm25(options, "document");
  }

  private static Bm25 of(String model, Value.Struct options, String path) {
    if (!isModel(model)) {
      throw new RequestException.Unsupported(
          "Bad request: model `"
              + model
              + "` at `"
              + path
              + ".model` is not available: Quiver embeds documents with its local BM25 model"
              + " only (`qdrant/bm25`); send vectors for other models");
    }
    return new Bm25(options, path);
  }

  SparseVector documentVector(String text, String where, String path) {
    List<String> tokens = tokens(text);
    Map<String, Integer> counts = new LinkedHashMap<>();
    tokens.forEach(t -> counts.merge(t, 1, Integer::sum));
    double len = tokens.size();
    TreeMap<Integer, Float> weights = new TreeMap<>(Integer::compareUnsigned);
    counts.forEach(
        (token, count) -> {
          double tf = count * (k + 1) / (k * (1 - b + b * len / avgLen) + count);
          weights.put(dimension(token), (float) tf);
        });
    return vector(weights, where, path);
  }

  SparseVector queryVector(String text, String where, String path) {
    TreeMap<Integer, Float> weights = new TreeMap<>(Integer::compareUnsigned);
    analyzer.queryTokens(text).forEach(t -> weights.put(dimension(t), 1f));
    return vector(weights, where, path);
  }

  private static SparseVector vector(TreeMap<Integer, Float> weights, String where, String path) {
    int[] idx = new int[weights.size()];
    float[] val = new float[weights.size()];
    int i = 0;
    for (var e : weights.entrySet()) {
      idx[i] = e.getKey();
      val[i++] = e.getValue();
    }
    return PointVectors.sparse(idx, val, where, path);
  }

  /** {@code |murmur3_32(token)|} of the UTF-8 bytes, seed 0, as an unsigned 32-bit dimension. */
  static int dimension(String token) {
    int h = StringHelper.murmurhash3_x86_32(new BytesRef(token), 0);
    return (int) Math.abs((long) h); // |i32::MIN| is 2^31, which fits the unsigned dimension
  }

  /** The text's tokens after every step, in order, repeats kept. */
  List<String> tokens(String text) {
    try {
      return analyzer.expandedTokens(text);
    } catch (StorageException.BadInput e) {
      throw new RequestException.Invalid("body", "text", e.getMessage());
    }
  }

  private static double number(Map<String, Value> o, String key, double absent, String path) {
    return switch (o.get(key)) {
      case null -> absent;
      case Value.Null n -> absent;
      case Value.Int i -> i.value();
      case Value.Double d -> d.value();
      default -> throw malformed(path + ".options." + key, "a number");
    };
  }

  private static String text(Map<String, Value> o, String key, String absent, String path) {
    return switch (o.get(key)) {
      case null -> absent;
      case Value.Null n -> absent;
      case Value.Str s -> s.value();
      default -> throw malformed(path + ".options." + key, "a string");
    };
  }

  private static boolean bool(Map<String, Value> o, String key, boolean absent, String path) {
    return switch (o.get(key)) {
      case null -> absent;
      case Value.Null n -> absent;
      case Value.Bool x -> x.value();
      default -> throw malformed(path + ".options." + key, "a boolean");
    };
  }

  private static Integer length(Map<String, Value> o, String key, String path) {
    return switch (o.get(key)) {
      case null -> null;
      case Value.Null n -> null;
      case Value.Int i when i.value() >= 0 && i.value() <= 1 << 20 -> (int) i.value();
      default -> throw malformed(path + ".options." + key, "an integer from 0 to 1048576");
    };
  }

  private static RequestException.Malformed malformed(String path, String expected) {
    return new RequestException.Malformed(
        "Format error in JSON body: expected " + expected + " at `" + path + "`");
  }

  private static RequestException.Unsupported unsupported(String field, String why) {
    return new RequestException.Unsupported("Bad request: `" + field + "` " + why);
  }
}
