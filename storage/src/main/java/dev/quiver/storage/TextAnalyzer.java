package dev.quiver.storage;

import com.ibm.icu.text.BreakIterator;
import com.ibm.icu.util.ULocale;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.ar.ArabicAnalyzer;
import org.apache.lucene.analysis.bn.BengaliAnalyzer;
import org.apache.lucene.analysis.ca.CatalanAnalyzer;
import org.apache.lucene.analysis.da.DanishAnalyzer;
import org.apache.lucene.analysis.de.GermanAnalyzer;
import org.apache.lucene.analysis.el.GreekAnalyzer;
import org.apache.lucene.analysis.es.SpanishAnalyzer;
import org.apache.lucene.analysis.eu.BasqueAnalyzer;
import org.apache.lucene.analysis.fi.FinnishAnalyzer;
import org.apache.lucene.analysis.fr.FrenchAnalyzer;
import org.apache.lucene.analysis.hu.HungarianAnalyzer;
import org.apache.lucene.analysis.id.IndonesianAnalyzer;
import org.apache.lucene.analysis.it.ItalianAnalyzer;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;
import org.apache.lucene.analysis.ne.NepaliAnalyzer;
import org.apache.lucene.analysis.nl.DutchAnalyzer;
import org.apache.lucene.analysis.no.NorwegianAnalyzer;
import org.apache.lucene.analysis.pt.PortugueseAnalyzer;
import org.apache.lucene.analysis.ro.RomanianAnalyzer;
import org.apache.lucene.analysis.ru.RussianAnalyzer;
import org.apache.lucene.analysis.sv.SwedishAnalyzer;
import org.apache.lucene.analysis.tr.TurkishAnalyzer;
import org.tartarus.snowball.SnowballStemmer;
import org.tartarus.snowball.ext.ArabicStemmer;
import org.tartarus.snowball.ext.ArmenianStemmer;
import org.tartarus.snowball.ext.DanishStemmer;
import org.tartarus.snowball.ext.DutchStemmer;
import org.tartarus.snowball.ext.EnglishStemmer;
import org.tartarus.snowball.ext.FinnishStemmer;
import org.tartarus.snowball.ext.FrenchStemmer;
import org.tartarus.snowball.ext.GermanStemmer;
import org.tartarus.snowball.ext.GreekStemmer;
import org.tartarus.snowball.ext.HungarianStemmer;
import org.tartarus.snowball.ext.ItalianStemmer;
import org.tartarus.snowball.ext.NorwegianStemmer;
import org.tartarus.snowball.ext.PortugueseStemmer;
import org.tartarus.snowball.ext.RomanianStemmer;
import org.tartarus.snowball.ext.RussianStemmer;
import org.tartarus.snowball.ext.SpanishStemmer;
import org.tartarus.snowball.ext.SwedishStemmer;
import org.tartarus.snowball.ext.TamilStemmer;
import org.tartarus.snowball.ext.TurkishStemmer;

/**
 * Qdrant's full-text analysis, shared by {@code text} payload indexes and BM25 documents: a
 * tokenizer ({@code word}: runs of letters and digits; {@code whitespace}; {@code prefix}: words
 * indexed by every prefix, queried by the whole word; {@code multilingual}: Unicode word
 * segmentation, with dictionaries for Chinese, Japanese and Thai), then per token, in Qdrant's
 * order: ASCII folding, lower-casing, stop words, a Snowball stemmer, and the length bounds.
 *
 * <p>Stemmers are Lucene's Snowball programs; stop word lists are Lucene's for each language
 * (Snowball's lists, and Lucene's own where Snowball has none), English excepted: Qdrant's English
 * list is NLTK's, kept here so BM25 vectors line up with Qdrant's. The eight of Qdrant's thirty
 * languages no maintained Java library has a list for (Azerbaijani, Chinese, Hebrew, Hinglish,
 * Japanese, Kazakh, Slovene, Tajik) use the lists Qdrant filters by, kept here as data files.
 *
 * <p>Immutable and thread-safe: each call makes the stemmer and segmenter it needs.
 */
public final class TextAnalyzer {
  /** How a text is split into words. */
  public enum Tokenizer {
    WORD,
    WHITESPACE,
    PREFIX,
    MULTILINGUAL;

    /**
     * From Qdrant's name ({@code word}, {@code whitespace}, {@code prefix}, {@code multilingual}).
     */
    public static Tokenizer of(String name) {
      for (Tokenizer t : values()) {
        if (t.name().equalsIgnoreCase(name)) {
          return t;
        }
      }
      throw new StorageException.BadInput(
          "unknown tokenizer `"
              + name
              + "`, expected one of prefix, whitespace, word, multilingual");
    }
  }

  /** The default analysis: words, lower-cased, nothing else. */
  public static final TextAnalyzer DEFAULT =
      new TextAnalyzer(Tokenizer.WORD, true, false, null, null, Set.of(), null, false);

  private static final Map<String, Set<String>> STOPWORDS = new ConcurrentHashMap<>();

  /**
   * The languages whose stop words are data files here: English (Qdrant's list is NLTK's, where
   * Lucene's Snowball list differs in about forty words) and those no maintained Java library
   * carries a list for (NLTK's lists, and for Japanese the stopwords-iso list as Qdrant amended
   * it).
   */
  private static final Set<String> DATA_LISTS =
      Set.of(
          "english",
          "azerbaijani",
          "chinese",
          "hebrew",
          "hinglish",
          "japanese",
          "kazakh",
          "slovene",
          "tajik");

  private final Tokenizer tokenizer;
  private final boolean lowercase;
  private final boolean asciiFolding;
  private final Integer minTokenLen;
  private final Integer maxTokenLen;
  private final Set<String> stopwords;
  private final String stemmer;
  private final boolean phraseMatching;

  /**
   * @param stopwords compared with tokens after folding and lower-casing (lower-cased here when
   *     {@code lowercase})
   * @param stemmer a Snowball language, or null for none
   */
  public TextAnalyzer(
      Tokenizer tokenizer,
      boolean lowercase,
      boolean asciiFolding,
      Integer minTokenLen,
      Integer maxTokenLen,
      Set<String> stopwords,
      String stemmer,
      boolean phraseMatching) {
    this.tokenizer = tokenizer;
    this.lowercase = lowercase;
    this.asciiFolding = asciiFolding;
    this.minTokenLen = minTokenLen;
    this.maxTokenLen = maxTokenLen;
    Set<String> words = new HashSet<>();
    stopwords.forEach(w -> words.add(lowercase ? w.toLowerCase(Locale.ROOT) : w));
    this.stopwords = Set.copyOf(words);
    this.stemmer = stemmer == null ? null : snowballLanguage(stemmer);
    if (this.stemmer != null) {
      newStemmer(this.stemmer); // refuses a language without a stemmer now, not at first use
    }
    this.phraseMatching = phraseMatching;
  }

  /**
   * The analysis a {@code text} index's parameters ask for ({@code tokenizer}, {@code lowercase},
   * {@code ascii_folding}, {@code min_token_len}, {@code max_token_len}, {@code stopwords}, {@code
   * stemmer}, {@code phrase_matching}; other keys are not read here), as stored with the index.
   *
   * @throws StorageException.BadInput for a value it cannot honour
   */
  public static TextAnalyzer of(Value.Struct params) {
    if (params == null) {
      return DEFAULT;
    }
    Map<String, Value> p = params.fields();
    boolean lowercase = bool(p.get("lowercase"), true, "lowercase");
    return new TextAnalyzer(
        p.get("tokenizer") instanceof Value.Str s ? Tokenizer.of(s.value()) : Tokenizer.WORD,
        lowercase,
        bool(p.get("ascii_folding"), false, "ascii_folding"),
        length(p.get("min_token_len"), "min_token_len"),
        length(p.get("max_token_len"), "max_token_len"),
        stopwords(p.get("stopwords"), Set.of()),
        stemmer(p.get("stemmer"), null),
        bool(p.get("phrase_matching"), false, "phrase_matching"));
  }

  /**
   * A {@code stopwords} value: a language name, or {@code {"languages": [...], "custom": [...]}};
   * {@code absent} when there is none.
   */
  public static Set<String> stopwords(Value v, Set<String> absent) {
    return switch (v) {
      case null -> absent;
      case Value.Null n -> absent;
      case Value.Str s -> languageStopwords(s.value());
      case Value.Struct s -> {
        Set<String> out = new LinkedHashSet<>();
        for (var e : s.fields().entrySet()) {
          switch (e.getKey()) {
            case "languages" -> {
              for (Value l : list(e.getValue(), "stopwords.languages")) {
                out.addAll(languageStopwords(string(l, "stopwords.languages")));
              }
            }
            case "custom" -> {
              for (Value w : list(e.getValue(), "stopwords.custom")) {
                out.add(string(w, "stopwords.custom"));
              }
            }
            default ->
                throw new StorageException.BadInput(
                    "unknown field `stopwords."
                        + e.getKey()
                        + "`, expected `languages` or `custom`");
          }
        }
        yield out;
      }
      default ->
          throw new StorageException.BadInput(
              "`stopwords` must be a language or {\"languages\": [...], \"custom\": [...]}");
    };
  }

  /**
   * A {@code stemmer} value ({@code {"type": "snowball", "language": ...}} or {@code {"type":
   * "none"}}) as a Snowball language or null; {@code absent} when there is none.
   */
  public static String stemmer(Value v, String absent) {
    if (v == null || v instanceof Value.Null) {
      return absent;
    }
    if (!(v instanceof Value.Struct s)) {
      throw new StorageException.BadInput(
          "`stemmer` must be {\"type\": \"snowball\", \"language\": ...} or {\"type\": \"none\"}");
    }
    for (String key : s.fields().keySet()) {
      if (!key.equals("type") && !key.equals("language")) {
        throw new StorageException.BadInput("unknown field `stemmer." + key + "`");
      }
    }
    String type = s.fields().get("type") instanceof Value.Str t ? t.value() : "";
    return switch (type) {
      case "none" -> null;
      case "snowball" -> {
        if (!(s.fields().get("language") instanceof Value.Str l)) {
          throw new StorageException.BadInput("missing field `stemmer.language`");
        }
        yield snowballLanguage(l.value());
      }
      default ->
          throw new StorageException.BadInput(
              "unknown stemmer type `" + type + "`, expected `snowball` or `none`");
    };
  }

  /** The stop words of a language Qdrant names ({@code english}, ...). */
  public static Set<String> languageStopwords(String language) {
    String lang = language.toLowerCase(Locale.ROOT);
    Set<String> known = STOPWORDS.get(lang);
    if (known != null) {
      return known;
    }
    Supplier<CharArraySet> lucene =
        switch (lang) {
          case "arabic" -> ArabicAnalyzer::getDefaultStopSet;
          case "basque" -> BasqueAnalyzer::getDefaultStopSet;
          case "bengali" -> BengaliAnalyzer::getDefaultStopSet;
          case "catalan" -> CatalanAnalyzer::getDefaultStopSet;
          case "danish" -> DanishAnalyzer::getDefaultStopSet;
          case "dutch" -> DutchAnalyzer::getDefaultStopSet;
          case "finnish" -> FinnishAnalyzer::getDefaultStopSet;
          case "french" -> FrenchAnalyzer::getDefaultStopSet;
          case "german" -> GermanAnalyzer::getDefaultStopSet;
          case "greek" -> GreekAnalyzer::getDefaultStopSet;
          case "hungarian" -> HungarianAnalyzer::getDefaultStopSet;
          case "indonesian" -> IndonesianAnalyzer::getDefaultStopSet;
          case "italian" -> ItalianAnalyzer::getDefaultStopSet;
          case "nepali" -> NepaliAnalyzer::getDefaultStopSet;
          case "norwegian" -> NorwegianAnalyzer::getDefaultStopSet;
          case "portuguese" -> PortugueseAnalyzer::getDefaultStopSet;
          case "romanian" -> RomanianAnalyzer::getDefaultStopSet;
          case "russian" -> RussianAnalyzer::getDefaultStopSet;
          case "spanish" -> SpanishAnalyzer::getDefaultStopSet;
          case "swedish" -> SwedishAnalyzer::getDefaultStopSet;
          case "turkish" -> TurkishAnalyzer::getDefaultStopSet;
          default -> null;
        };
    Set<String> words;
    if (lucene != null) {
      Set<String> out = new HashSet<>();
      for (Object w : lucene.get()) {
        out.add(w instanceof char[] chars ? new String(chars) : w.toString());
      }
      words = Set.copyOf(out);
    } else if (DATA_LISTS.contains(lang)) {
      words = load("text/" + lang + "-stopwords.txt");
    } else {
      throw new StorageException.BadInput(
          "unknown stop words language `"
              + language
              + "`, expected one of arabic, azerbaijani, basque, bengali, catalan, chinese, danish,"
              + " dutch, english, finnish, french, german, greek, hebrew, hinglish, hungarian,"
              + " indonesian, italian, japanese, kazakh, nepali, norwegian, portuguese, romanian,"
              + " russian, slovene, spanish, swedish, tajik, turkish");
    }
    STOPWORDS.put(lang, words);
    return words;
  }

  /** Whether Snowball has a stemmer for {@code language}. */
  public static boolean hasStemmer(String language) {
    try {
      newStemmer(language.toLowerCase(Locale.ROOT));
      return true;
    } catch (StorageException.BadInput e) {
      return false;
    }
  }

  private static String snowballLanguage(String language) {
    String lang = language.toLowerCase(Locale.ROOT);
    newStemmer(lang);
    return lang;
  }

  private static SnowballStemmer newStemmer(String language) {
    return switch (language) {
      case "arabic" -> new ArabicStemmer();
      case "armenian" -> new ArmenianStemmer();
      case "danish" -> new DanishStemmer();
      case "dutch" -> new DutchStemmer();
      case "english" -> new EnglishStemmer();
      case "finnish" -> new FinnishStemmer();
      case "french" -> new FrenchStemmer();
      case "german" -> new GermanStemmer();
      case "greek" -> new GreekStemmer();
      case "hungarian" -> new HungarianStemmer();
      case "italian" -> new ItalianStemmer();
      case "norwegian" -> new NorwegianStemmer();
      case "portuguese" -> new PortugueseStemmer();
      case "romanian" -> new RomanianStemmer();
      case "russian" -> new RussianStemmer();
      case "spanish" -> new SpanishStemmer();
      case "swedish" -> new SwedishStemmer();
      case "tamil" -> new TamilStemmer();
      case "turkish" -> new TurkishStemmer();
      default ->
          throw new StorageException.BadInput(
              "unknown variant `"
                  + language
                  + "` of the Snowball stemmer, expected one of arabic, armenian, danish, dutch,"
                  + " english, finnish, french, german, greek, hungarian, italian, norwegian,"
                  + " portuguese, romanian, russian, spanish, swedish, tamil, turkish");
    };
  }

  public Tokenizer tokenizer() {
    return tokenizer;
  }

  /** Whether an index with this analysis keeps positions, so {@code match.phrase} can match. */
  public boolean phraseMatching() {
    return phraseMatching;
  }

  /**
   * A document's tokens, in order, repeats kept: what an index stores and phrases are matched in.
   * With the {@code prefix} tokenizer these are whole words (bounded below by {@code
   * min_token_len}, not above), which {@link #matches} compares by prefix: an index over the words
   * answers what Qdrant's index over every prefix answers, without storing each prefix.
   */
  public List<String> documentTokens(String text) {
    List<String> out = new ArrayList<>();
    Steps steps = new Steps();
    boolean checkMax = tokenizer != Tokenizer.PREFIX;
    words(
        text,
        word -> {
          String t = steps.process(word, checkMax);
          if (t != null) {
            out.add(t);
          }
        });
    return out;
  }

  /**
   * A document's tokens as Qdrant's tokenizer emits them, for BM25 vectors: with the {@code prefix}
   * tokenizer, each word's prefixes from {@code min_token_len} (or 1) to {@code max_token_len}
   * characters; otherwise {@link #documentTokens}.
   *
   * @throws StorageException.BadInput when the prefixes would exceed {@value #MAX_PREFIX_CHARS}
   *     characters (a long word without {@code max_token_len})
   */
  public List<String> expandedTokens(String text) {
    if (tokenizer != Tokenizer.PREFIX) {
      return documentTokens(text);
    }
    int min = minTokenLen == null ? 1 : Math.max(1, minTokenLen);
    int max = maxTokenLen == null ? Integer.MAX_VALUE : maxTokenLen;
    List<String> out = new ArrayList<>();
    long budget = MAX_PREFIX_CHARS;
    for (String t : documentTokens(text)) {
      int chars = t.codePointCount(0, t.length());
      for (int n = min; n <= max; n++) {
        String prefix = n >= chars ? t : t.substring(0, t.offsetByCodePoints(0, n));
        budget -= prefix.length();
        if (budget < 0) {
          throw new StorageException.BadInput(
              "the prefixes of this text exceed "
                  + MAX_PREFIX_CHARS
                  + " characters; set `max_token_len` to bound them");
        }
        out.add(prefix);
        if (n >= chars) {
          break;
        }
      }
    }
    return out;
  }

  /** Bound on the characters {@link #expandedTokens} makes of one text. */
  public static final long MAX_PREFIX_CHARS = 16L << 20;

  /**
   * The terms a query looks for: its tokens; with the {@code prefix} tokenizer each whole word (no
   * stop words removed, cut at {@code max_token_len}), so a partial word finds the words it starts.
   */
  public List<String> queryTokens(String text) {
    if (tokenizer != Tokenizer.PREFIX) {
      return documentTokens(text);
    }
    List<String> out = new ArrayList<>();
    Steps steps = new Steps();
    words(
        text,
        word -> {
          String t = steps.stem(steps.normalize(word));
          int chars = t.codePointCount(0, t.length());
          if (t.isEmpty() || (minTokenLen != null && chars < minTokenLen)) {
            return;
          }
          if (maxTokenLen != null && chars > maxTokenLen) {
            t = t.substring(0, t.offsetByCodePoints(0, maxTokenLen));
          }
          out.add(t);
        });
    return out;
  }

  /**
   * Whether a query token finds a document token: equal, or with the {@code prefix} tokenizer, the
   * query token starts the document token.
   */
  public boolean matches(String queryToken, String documentToken) {
    return tokenizer == Tokenizer.PREFIX
        ? documentToken.startsWith(queryToken)
        : documentToken.equals(queryToken);
  }

  /** Splits {@code text} by the tokenizer (before any per-token step). */
  private void words(String text, Consumer<String> word) {
    if (tokenizer == Tokenizer.MULTILINGUAL) {
      BreakIterator it = BreakIterator.getWordInstance(ULocale.ROOT);
      it.setText(text);
      for (int start = it.first(), end = it.next();
          end != BreakIterator.DONE;
          start = end, end = it.next()) {
        if (it.getRuleStatus() != BreakIterator.WORD_NONE) {
          word.accept(text.substring(start, end));
        }
      }
      return;
    }
    boolean whitespace = tokenizer == Tokenizer.WHITESPACE;
    int n = text.length();
    int start = -1;
    for (int i = 0; i <= n; ) {
      int cp = i < n ? text.codePointAt(i) : ' ';
      boolean in = i < n && (whitespace ? !isWhitespace(cp) : isAlphanumeric(cp));
      if (in && start < 0) {
        start = i;
      } else if (!in && start >= 0) {
        word.accept(text.substring(start, i));
        start = -1;
      }
      i += i < n ? Character.charCount(cp) : 1;
    }
  }

  /** Rust's {@code char::is_alphanumeric}: alphabetic, or a number of any kind. */
  static boolean isAlphanumeric(int cp) {
    if (Character.isAlphabetic(cp)) {
      return true;
    }
    int type = Character.getType(cp);
    return type == Character.DECIMAL_DIGIT_NUMBER
        || type == Character.LETTER_NUMBER
        || type == Character.OTHER_NUMBER;
  }

  /** Unicode White_Space, as Rust's {@code split_whitespace} splits. */
  private static boolean isWhitespace(int cp) {
    return Character.isWhitespace(cp) || Character.isSpaceChar(cp);
  }

  /** The per-token steps of one call (its stemmer serves this call's thread only). */
  private final class Steps {
    private final SnowballStemmer snowball = stemmer == null ? null : newStemmer(stemmer);

    String normalize(String token) {
      String t = token;
      if (asciiFolding) {
        char[] in = t.toCharArray();
        char[] out = new char[in.length * 4];
        int len = ASCIIFoldingFilter.foldToASCII(in, 0, out, 0, in.length);
        t = new String(out, 0, len);
      }
      return lowercase ? t.toLowerCase(Locale.ROOT) : t;
    }

    String stem(String token) {
      if (snowball == null) {
        return token;
      }
      return StemCache.stem(stemmer, token, this::snowball);
    }

    private String snowball(String token) {
      snowball.setCurrent(token);
      snowball.stem();
      return snowball.getCurrent();
    }

    /** Folded, lower-cased, not a stop word, stemmed, within the length bounds; else null. */
    String process(String token, boolean checkMax) {
      String t = normalize(token);
      if (t.isEmpty() || stopwords.contains(t)) {
        return null;
      }
      t = stem(t);
      int chars = t.codePointCount(0, t.length());
      if ((minTokenLen != null && chars < minTokenLen)
          || (checkMax && maxTokenLen != null && chars > maxTokenLen)) {
        return null;
      }
      return t;
    }
  }

  private static boolean bool(Value v, boolean absent, String name) {
    return switch (v) {
      case null -> absent;
      case Value.Null n -> absent;
      case Value.Bool b -> b.value();
      default -> throw new StorageException.BadInput("`" + name + "` must be a boolean");
    };
  }

  private static Integer length(Value v, String name) {
    return switch (v) {
      case null -> null;
      case Value.Null n -> null;
      case Value.Int i when i.value() >= 0 && i.value() <= 1 << 20 -> (int) i.value();
      default ->
          throw new StorageException.BadInput(
              "`" + name + "` must be an integer from 0 to 1048576");
    };
  }

  private static List<Value> list(Value v, String name) {
    if (v instanceof Value.Array a) {
      return a.values();
    }
    throw new StorageException.BadInput("`" + name + "` must be a list");
  }

  private static String string(Value v, String name) {
    if (v instanceof Value.Str s) {
      return s.value();
    }
    throw new StorageException.BadInput("`" + name + "` must hold strings");
  }

  private static Set<String> load(String resource) {
    var in = TextAnalyzer.class.getResourceAsStream(resource);
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
