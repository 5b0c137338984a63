package dev.quiver.server.query;

import dev.quiver.storage.Condition;
import dev.quiver.storage.PayloadValues;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.Value;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A formula query (Qdrant's score boosting): an expression evaluated for every point the stage's
 * prefetches found, over their scores ({@code $score}, {@code $score[i]}), payload values,
 * conditions (1 when the point matches, else 0), geo distances and date-times, with {@code
 * defaults} for what a point lacks.
 *
 * <p>Evaluation follows Qdrant's: double precision throughout (constants arrive as 32-bit floats
 * and are widened, as Qdrant's are), the result narrowed to a float score; a product stops at its
 * first zero factor and a division whose numerator is zero is zero; a division by zero takes {@code
 * by_zero_default} when one is given; every operation that would give a non-finite number fails the
 * query with the expression that did; a payload variable is the one value at its path (an array of
 * one value counts as that value), else its default, else the query fails; a missing prefetch score
 * is its default or 0. Decays map {@code |x - target|} to (0, 1], reaching {@code midpoint} at
 * {@code scale}. Date-times are seconds since the epoch; geo distances are haversine metres.
 *
 * <p>Immutable and thread-safe.
 */
public record Formula(Expression expression, Map<String, Value> defaults) {
  /** Bound on the expression's nodes, checked as it is decoded. */
  public static final int MAX_NODES = 1_024;

  /** Bound on the expression's nesting depth. */
  public static final int MAX_DEPTH = 64;

  private static final Pattern SCORE = Pattern.compile("\\$score(?:\\[(\\d{1,9})])?");

  /** {@code defaults} are keyed by variable; {@code $score} and {@code $score[0]} are one. */
  public Formula {
    Map<String, Value> canonical = new LinkedHashMap<>();
    defaults.forEach(
        (key, value) -> {
          Expression v = variable(key); // a default's key must name a variable, as Qdrant checks
          canonical.put(
              v instanceof Expression.Score s ? "$score[" + s.prefetch() + "]" : key, value);
        });
    defaults = Map.copyOf(canonical);
  }

  /** One node of a formula. */
  public sealed interface Expression {
    record Constant(double value) implements Expression {}

    /** The score the point had in prefetch {@code prefetch}. */
    record Score(int prefetch) implements Expression {}

    /** A number from the payload at {@code key}. */
    record Variable(String key) implements Expression {}

    /** 1 when the point matches {@code condition}, else 0. */
    record Check(Condition condition) implements Expression {}

    /** Metres from the origin to the geo point at {@code key}. */
    record GeoDistance(double lat, double lon, String key) implements Expression {}

    /** A date-time constant, in seconds since the epoch. */
    record Datetime(double seconds) implements Expression {}

    /** The date-time at {@code key}, in seconds since the epoch. */
    record DatetimeKey(String key) implements Expression {}

    record Mult(List<Expression> factors) implements Expression {
      public Mult {
        factors = List.copyOf(factors);
      }
    }

    record Sum(List<Expression> terms) implements Expression {
      public Sum {
        terms = List.copyOf(terms);
      }
    }

    record Div(Expression left, Expression right, Double byZeroDefault) implements Expression {}

    record Pow(Expression base, Expression exponent) implements Expression {}

    record Unary(Function function, Expression argument) implements Expression {}

    /** {@code lambda} folds midpoint and scale, as {@link #decay} computes it. */
    record Decay(DecayKind kind, Expression x, Expression target, double lambda)
        implements Expression {}
  }

  /** The one-argument functions. */
  public enum Function {
    NEG,
    ABS,
    SQRT,
    EXP,
    LOG10,
    LN
  }

  /** The decay shapes. */
  public enum DecayKind {
    LIN,
    EXP,
    GAUSS
  }

  /** A variable by its name: {@code $score}, {@code $score[i]}, or a payload key. */
  public static Expression variable(String name) {
    if (name.startsWith("$")) {
      if (!name.startsWith("$score")) {
        throw new StorageException.BadInput("Invalid reserved word: " + name);
      }
      Matcher m = SCORE.matcher(name);
      if (!m.matches()) {
        throw new StorageException.BadInput("Invalid reserved variable: " + name);
      }
      return new Expression.Score(m.group(1) == null ? 0 : Integer.parseInt(m.group(1)));
    }
    if (name.isEmpty() || name.startsWith(".") || name.endsWith(".") || name.contains("..")) {
      throw new StorageException.BadInput("Invalid payload variable: " + name);
    }
    return new Expression.Variable(name);
  }

  /** A date-time constant, as Qdrant's date-time payloads are written. */
  public static Expression datetime(String text) {
    Double millis = PayloadValues.epochMillis(text);
    if (millis == null) {
      throw new StorageException.BadInput("Invalid datetime: " + text);
    }
    return new Expression.Datetime(millis / 1000.0);
  }

  /**
   * A decay; {@code midpoint} defaults to 0.5 (in (0, 1), or [0, 1] for the linear one) and {@code
   * scale} to 1 (positive).
   */
  public static Expression decay(
      DecayKind kind, Expression x, Expression target, Float midpoint, Float scale) {
    double mid = midpoint == null ? 0.5 : midpoint;
    double sc = scale == null ? 1.0 : scale;
    if (kind == DecayKind.LIN) {
      if (!(mid >= 0.0 && mid <= 1.0)) {
        throw new StorageException.BadInput(
            "Linear decay midpoint should be in the range [0.0, 1.0], got " + number(mid) + ".");
      }
    } else if (!(mid > 0.0 && mid < 1.0)) {
      throw new StorageException.BadInput(
          "Decay midpoint should be in the range (0.0, 1.0), got " + number(mid) + ".");
    }
    if (!(sc > 0.0)) {
      throw new StorageException.BadInput(
          "Decay scale should be non-zero positive, got " + number(sc) + ".");
    }
    double lambda =
        switch (kind) {
          case LIN -> (1.0 - mid) / sc;
          case EXP -> Math.log(mid) / sc;
          case GAUSS -> Math.log(mid) / (sc * sc);
        };
    return new Expression.Decay(kind, x, target, lambda);
  }

  /** Counts the nodes of a formula being decoded, and refuses one too large or too deep. */
  public static final class Budget {
    private int nodes;

    /** Called for each node at {@code depth} (the root is at depth 1). */
    public void enter(int depth) {
      if (++nodes > MAX_NODES) {
        throw new StorageException.BadInput(
            "the formula has more than " + MAX_NODES + " expressions");
      }
      if (depth > MAX_DEPTH) {
        throw new StorageException.BadInput(
            "the formula is nested deeper than " + MAX_DEPTH + " levels");
      }
    }
  }

  /** The payload keys the formula reads (variables, geo distances, date-time keys, defaults). */
  public Set<String> payloadKeys() {
    Set<String> out = new LinkedHashSet<>();
    walk(
        expression,
        e -> {
          switch (e) {
            case Expression.Variable v -> out.add(v.key());
            case Expression.GeoDistance g -> out.add(g.key());
            case Expression.DatetimeKey d -> out.add(d.key());
            default -> {}
          }
        });
    return out;
  }

  /** The conditions of the formula, each once (by identity), in the order they appear. */
  public List<Condition> conditions() {
    Map<Condition, Boolean> seen = new IdentityHashMap<>();
    List<Condition> out = new ArrayList<>();
    walk(
        expression,
        e -> {
          if (e instanceof Expression.Check c && seen.put(c.condition(), true) == null) {
            out.add(c.condition());
          }
        });
    return out;
  }

  private static void walk(Expression e, Consumer<Expression> visit) {
    visit.accept(e);
    switch (e) {
      case Expression.Mult m -> m.factors().forEach(f -> walk(f, visit));
      case Expression.Sum s -> s.terms().forEach(t -> walk(t, visit));
      case Expression.Div d -> {
        walk(d.left(), visit);
        walk(d.right(), visit);
      }
      case Expression.Pow p -> {
        walk(p.base(), visit);
        walk(p.exponent(), visit);
      }
      case Expression.Unary u -> walk(u.argument(), visit);
      case Expression.Decay d -> {
        walk(d.x(), visit);
        if (d.target() != null) {
          walk(d.target(), visit);
        }
      }
      default -> {}
    }
  }

  /** What the evaluation reads of one point. */
  public interface Point {
    /** The point's score in prefetch {@code prefetch}, or null if that prefetch did not find it. */
    Float score(int prefetch);

    /** The point's payload (at least the keys of {@link #payloadKeys}). */
    Value.Struct payload();

    /** Whether the point matches {@code condition} (one of {@link #conditions}). */
    boolean matches(Condition condition);
  }

  /** The formula's score for {@code p}; a {@link StorageException.BadInput} when it has none. */
  public float score(Point p) {
    return (float) eval(expression, p);
  }

  private double eval(Expression e, Point p) {
    return switch (e) {
      case Expression.Constant c -> c.value();
      case Expression.Score s -> {
        Float score = p.score(s.prefetch());
        if (score != null) {
          yield score;
        }
        Value d = defaults.get("$score[" + s.prefetch() + "]");
        Double n = d == null ? null : asNumber(d);
        yield n == null ? 0.0 : n;
      }
      case Expression.Variable v -> {
        Value value = value(v.key(), p, "number");
        Double n = asNumber(value);
        if (n == null) {
          throw typeError(v.key(), "number", "Value is not a number");
        }
        yield n;
      }
      case Expression.Check c -> p.matches(c.condition()) ? 1.0 : 0.0;
      case Expression.GeoDistance g -> {
        Value value = value(g.key(), p, "geo point");
        if (!(value instanceof Value.Struct s)
            || asNumber(s.fields().get("lat")) == null
            || asNumber(s.fields().get("lon")) == null) {
          throw typeError(g.key(), "geo point", "expected an object with `lat` and `lon`");
        }
        double lat = asNumber(s.fields().get("lat"));
        double lon = asNumber(s.fields().get("lon"));
        if (lat < -90 || lat > 90 || lon < -180 || lon > 180) {
          throw typeError(
              g.key(),
              "geo point",
              "expected `lat` within [-90;90] and `lon` within [-180;180], got lat "
                  + number(lat)
                  + ", lon "
                  + number(lon));
        }
        yield PayloadValues.haversine(g.lat(), g.lon(), lat, lon);
      }
      case Expression.Datetime d -> d.seconds();
      case Expression.DatetimeKey d -> {
        Value value = value(d.key(), p, "datetime");
        if (!(value instanceof Value.Str s)) {
          throw typeError(d.key(), "datetime", "value is not a string");
        }
        Double millis = PayloadValues.epochMillis(s.value());
        if (millis == null) {
          throw typeError(d.key(), "datetime", "`" + s.value() + "` is not a datetime");
        }
        yield millis / 1000.0;
      }
      case Expression.Mult m -> {
        double product = 1.0;
        for (Expression f : m.factors()) {
          double x = eval(f, p);
          if (x == 0.0) {
            yield 0.0;
          }
          product *= x;
        }
        yield product;
      }
      case Expression.Sum s -> {
        double sum = 0.0;
        for (Expression t : s.terms()) {
          sum += eval(t, p);
        }
        yield sum;
      }
      case Expression.Div d -> {
        double left = eval(d.left(), p);
        if (left == 0.0) {
          yield 0.0;
        }
        double right = eval(d.right(), p);
        if (right == 0.0 && d.byZeroDefault() != null) {
          yield d.byZeroDefault();
        }
        yield finite(left / right, number(left) + "/" + number(right));
      }
      case Expression.Pow w -> {
        double base = eval(w.base(), p);
        double exponent = eval(w.exponent(), p);
        yield finite(Math.pow(base, exponent), number(base) + "^" + number(exponent));
      }
      case Expression.Unary u -> {
        double x = eval(u.argument(), p);
        yield switch (u.function()) {
          case NEG -> -x;
          case ABS -> Math.abs(x);
          case SQRT -> finite(Math.sqrt(x), "√" + number(x));
          case EXP -> finite(Math.exp(x), "exp(" + number(x) + ")");
          case LOG10 -> finite(Math.log10(x), "log10(" + number(x) + ")");
          case LN -> finite(Math.log(x), "ln(" + number(x) + ")");
        };
      }
      case Expression.Decay d -> {
        double x = eval(d.x(), p);
        double target = d.target() == null ? 0.0 : eval(d.target(), p);
        double diff = x - target;
        yield switch (d.kind()) {
          case LIN -> Math.max(0.0, 1.0 - d.lambda() * Math.abs(diff));
          case EXP -> Math.exp(d.lambda() * Math.abs(diff));
          case GAUSS -> Math.exp(d.lambda() * diff * diff);
        };
      }
    };
  }

  /** The one value at {@code key} (or the default); a type error when there is none. */
  private Value value(String key, Point p, String expected) {
    List<Value> values = PayloadValues.values(p.payload(), key);
    if (values.size() == 1) {
      return values.getFirst();
    }
    if (values.size() > 1) {
      return new Value.Array(values);
    }
    Value d = defaults.get(key);
    if (d == null) {
      throw typeError(key, expected, "No value found in a payload nor defaults");
    }
    return d;
  }

  private static Double asNumber(Value v) {
    return switch (v) {
      case Value.Int i -> (double) i.value();
      case Value.Double d -> d.value();
      case null, default -> null;
    };
  }

  private static StorageException.BadInput typeError(String key, String expected, String problem) {
    return new StorageException.BadInput(
        "Expected "
            + expected
            + " value for "
            + key
            + " in the payload and/or in the formula defaults. Error: "
            + problem);
  }

  private static double finite(double value, String expression) {
    if (Double.isFinite(value)) {
      return value;
    }
    throw new StorageException.BadInput(
        "The expression " + expression + " = " + number(value) + " produced a non-finite number");
  }

  /** A number as Qdrant prints it: shortest form, no exponent, no trailing {@code .0}. */
  static String number(double x) {
    if (Double.isNaN(x)) {
      return "NaN";
    }
    if (Double.isInfinite(x)) {
      return x > 0 ? "inf" : "-inf";
    }
    String s = Double.toString(x);
    if (s.contains("E")) {
      s = new BigDecimal(s).toPlainString();
    }
    return s.endsWith(".0") ? s.substring(0, s.length() - 2) : s;
  }
}
