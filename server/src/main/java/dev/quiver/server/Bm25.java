package dev.quiver.server;

import dev.quiver.storage.SparseVector;
import dev.quiver.storage.Value;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.StringHelper;
import org.tartarus.snowball.ext.EnglishStemmer;

/**
 * Qdrant's local BM25 model ({@code "model": "qdrant/bm25"} or {@code "bm25"}, either case): a
 * {@code Document}'s text becomes a sparse vector in the node, as Qdrant and FastEmbed's {@code
 * Qdrant/bm25} make it, so vectors made by clients or migrated from Qdrant line up. The text is
 * split into words (letters and digits; or on white space), lower-cased, optionally folded to
 * ASCII, stripped of stop words (English by default), stemmed (Snowball English by default) and
 * filtered by length; each token's dimension is {@code |murmur3_32(token)|}. A document weighs each
 * token {@code tf (k + 1) / (tf + k (1 - b + b len / avg_len))}; a query weighs each distinct token
 * 1.0, and the collection's {@code idf} modifier does the rest. The static entry points are
 * thread-safe; an instance (holding a stemmer) serves one thread.
 */
public final class Bm25 {
  private static final Set<String> ENGLISH_STOPWORDS = load("bm25/english-stopwords.txt");

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
  private final boolean whitespace;
  private final boolean lowercase;
  private final boolean asciiFolding;
  private final Set<String> stopwords;

  /** The Snowball stemmer, or null for none; an instance serves one request's thread. */
  private final EnglishStemmer stemmer;

  private final Integer minTokenLen;
  private final Integer maxTokenLen;

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
    String tokenizer = text(o, "tokenizer", "word", path);
    whitespace =
        switch (tokenizer) {
          case "word" -> false;
          case "whitespace" -> true;
          default ->
              throw unsupported(
                  path + ".options.tokenizer",
                  "`" + tokenizer + "` is not supported by Quiver's BM25 (word, whitespace)");
        };
    String language = text(o, "language", "english", path).toLowerCase(Locale.ROOT);
    boolean english =
        switch (language) {
          case "english", "en" -> true;
          case "none" -> false;
          default ->
              throw unsupported(
                  path + ".options.language",
                  "`" + language + "` is not supported by Quiver's BM25 (english, none)");
        };
    lowercase = bool(o, "lowercase", true, path);
    asciiFolding = bool(o, "ascii_folding", false, path);
    stopwords = stopwords(o.get("stopwords"), english, path + ".options.stopwords");
    stemmer =
        stemmer(o.get("stemmer"), english, path + ".options.stemmer") ? new EnglishStemmer() : null;
    minTokenLen = length(o, "min_token_len", path);
    maxTokenLen = length(o, "max_token_len", path);
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
    tokens(text).forEach(t -> weights.put(dimension(t), 1f));
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
    List<String> out = new ArrayList<>();
    int n = text.length();
    int start = -1;
    for (int i = 0; i <= n; ) {
      int cp = i < n ? text.codePointAt(i) : ' ';
      boolean inToken = i < n && (whitespace ? !Character.isWhitespace(cp) : alphanumeric(cp));
      if (inToken && start < 0) {
        start = i;
      } else if (!inToken && start >= 0) {
        String t = process(text.substring(start, i));
        if (t != null) {
          out.add(t);
        }
        start = -1;
      }
      i += i < n ? Character.charCount(cp) : 1;
    }
    return out;
  }

  /** Rust's {@code char::is_alphanumeric}: alphabetic, or a number of any kind. */
  private static boolean alphanumeric(int cp) {
    if (Character.isAlphabetic(cp)) {
      return true;
    }
    int type = Character.getType(cp);
    return type == Character.DECIMAL_DIGIT_NUMBER
        || type == Character.LETTER_NUMBER
        || type == Character.OTHER_NUMBER;
  }

  private String process(String token) {
    String t = lowercase ? token.toLowerCase(Locale.ROOT) : token;
    if (asciiFolding) {
      char[] in = t.toCharArray();
      char[] out = new char[in.length * 4];
      int len = ASCIIFoldingFilter.foldToASCII(in, 0, out, 0, in.length);
      t = new String(out, 0, len);
    }
    if (stopwords.contains(t)) {
      return null;
    }
    if (stemmer != null) {
      stemmer.setCurrent(t);
      stemmer.stem();
      t = stemmer.getCurrent();
    }
    int chars = t.codePointCount(0, t.length());
    if ((minTokenLen != null && chars < minTokenLen)
        || (maxTokenLen != null && chars > maxTokenLen)) {
      return null;
    }
    return t;
  }

  // ---- options ----

  private Set<String> stopwords(Value v, boolean english, String path) {
    if (v == null || v instanceof Value.Null) {
      return english ? ENGLISH_STOPWORDS : Set.of();
    }
    Set<String> out = new HashSet<>();
    switch (v) {
      case Value.Str s -> out.addAll(languageStopwords(s.value(), path));
      case Value.Struct s -> {
        for (var e : s.fields().entrySet()) {
          switch (e.getKey()) {
            case "languages" -> {
              for (Value l : list(e.getValue(), path + ".languages")) {
                out.addAll(languageStopwords(string(l, path + ".languages"), path));
              }
            }
            case "custom" -> {
              for (Value w : list(e.getValue(), path + ".custom")) {
                out.add(string(w, path + ".custom"));
              }
            }
            default -> throw unsupported(path + "." + e.getKey(), "is not a stopwords option");
          }
        }
      }
      default -> throw malformed(path, "a language or {languages, custom}");
    }
    if (lowercase) { // the list is compared with lower-cased tokens
      Set<String> lower = new HashSet<>();
      out.forEach(w -> lower.add(w.toLowerCase(Locale.ROOT)));
      return Set.copyOf(lower);
    }
    return Set.copyOf(out);
  }

  private static Set<String> languageStopwords(String language, String path) {
    return switch (language.toLowerCase(Locale.ROOT)) {
      case "english", "en" -> ENGLISH_STOPWORDS;
      case "none" -> Set.of();
      default ->
          throw unsupported(
              path,
              "stop words of `" + language + "` are not supported by Quiver's BM25 (english)");
    };
  }

  private static boolean stemmer(Value v, boolean english, String path) {
    if (v == null || v instanceof Value.Null) {
      return english;
    }
    if (!(v instanceof Value.Struct s)) {
      throw malformed(path, "{\"type\": \"snowball\", \"language\": ...} or {\"type\": \"none\"}");
    }
    Value type = s.fields().get("type");
    String t = type instanceof Value.Str str ? str.value() : "";
    for (String key : s.fields().keySet()) {
      if (!key.equals("type") && !key.equals("language")) {
        throw unsupported(path + "." + key, "is not a stemmer option");
      }
    }
    return switch (t) {
      case "none" -> false;
      case "snowball" -> {
        Value l = s.fields().get("language");
        String lang = l instanceof Value.Str ls ? ls.value().toLowerCase(Locale.ROOT) : "";
        if (!lang.equals("english") && !lang.equals("en")) {
          throw unsupported(
              path + ".language",
              "the Snowball stemmer of `" + lang + "` is not supported by Quiver's BM25 (english)");
        }
        yield true;
      }
      default -> throw malformed(path + ".type", "`snowball` or `none`");
    };
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

  private static List<Value> list(Value v, String path) {
    if (v instanceof Value.Array a) {
      return a.values();
    }
    throw malformed(path, "a list");
  }

  private static String string(Value v, String path) {
    if (v instanceof Value.Str s) {
      return s.value();
    }
    throw malformed(path, "a string");
  }

  private static RequestException.Malformed malformed(String path, String expected) {
    return new RequestException.Malformed(
        "Format error in JSON body: expected " + expected + " at `" + path + "`");
  }

  private static RequestException.Unsupported unsupported(String field, String why) {
    return new RequestException.Unsupported("Bad request: `" + field + "` " + why);
  }

  private static Set<String> load(String resource) {
    var in = Bm25.class.getResourceAsStream(resource);
    if (in == null) {
      throw new IllegalStateException("missing resource " + resource);
    }
    Set<String> out = new HashSet<>();
    try (var r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        String w = line.strip();
        if (!w.isEmpty() && !w.startsWith("#")) {
          out.add(w);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Set.copyOf(out);
  }
}
