package dev.quiver.server.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.quiver.server.query.Formula.DecayKind;
import dev.quiver.server.query.Formula.Expression;
import dev.quiver.server.query.Formula.Function;
import dev.quiver.storage.Condition;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.Value;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Formula evaluation against hand-computed values: each operation, the defaults and the errors
 * Qdrant gives for missing, mistyped and non-finite values.
 */
public class FormulaTest {
  private static final Condition RED = new Condition.Match("color", new Value.Str("red"));
  private static final Condition BLUE = new Condition.Match("color", new Value.Str("blue"));

  /** A point with prefetch scores [0.5, 2.0], a payload, and matching RED only. */
  private static final Formula.Point POINT =
      new Formula.Point() {
        @Override
        public Float score(int prefetch) {
          return switch (prefetch) {
            case 0 -> 0.5f;
            case 1 -> 2.0f;
            default -> null;
          };
        }

        @Override
        public Value.Struct payload() {
          return new Value.Struct(
              Map.of(
                  "price", new Value.Int(85),
                  "ratio", new Value.Array(List.of(new Value.Double(0.25))),
                  "tags", new Value.Array(List.of(new Value.Int(1), new Value.Int(2))),
                  "name", new Value.Str("x"),
                  "nested", new Value.Struct(Map.of("depth", new Value.Double(3.5))),
                  "at", new Value.Str("2025-01-02T00:00:00Z"),
                  "loc",
                      new Value.Struct(
                          Map.of(
                              "lat", new Value.Double(25.628482424190565),
                              "lon", new Value.Double(-100.23881855976)))));
        }

        @Override
        public boolean matches(Condition condition) {
          return condition == RED;
        }
      };

  private static double eval(Expression e) {
    return eval(e, Map.of());
  }

  private static double eval(Expression e, Map<String, Value> defaults) {
    return new Formula(e, defaults).score(POINT);
  }

  private static Expression c(double v) {
    return new Expression.Constant(v);
  }

  private static Expression v(String name) {
    return Formula.variable(name);
  }

  @Test
  void variablesReadScoresPayloadsAndConditions() {
    assertThat(eval(v("$score"))).isEqualTo(0.5);
    assertThat(eval(v("$score[0]"))).isEqualTo(0.5);
    assertThat(eval(v("$score[1]"))).isEqualTo(2.0);
    assertThat(eval(v("$score[7]"))).isZero();
    assertThat(eval(v("price"))).isEqualTo(85.0);
    assertThat(eval(v("ratio"))).as("an array of one value is that value").isEqualTo(0.25);
    assertThat(eval(v("nested.depth"))).isEqualTo(3.5);
    assertThat(eval(new Expression.Check(RED))).isEqualTo(1.0);
    assertThat(eval(new Expression.Check(BLUE))).isZero();
  }

  @Test
  void operationsComputeAsQdrantDoes() {
    // sum [1, $score, price, red] = 1 + 0.5 + 85 + 1
    assertThat(
            eval(
                new Expression.Sum(
                    List.of(c(1), v("$score"), v("price"), new Expression.Check(RED)))))
        .isEqualTo(87.5);
    // mult [2, $score[1], price] = 2 * 2 * 85
    assertThat(eval(new Expression.Mult(List.of(c(2), v("$score[1]"), v("price")))))
        .isEqualTo(340.0);
    assertThat(eval(new Expression.Div(c(10), v("$score[1]"), null))).isEqualTo(5.0);
    assertThat(eval(new Expression.Div(c(1), c(0), 7.0))).isEqualTo(7.0);
    assertThat(eval(new Expression.Pow(c(2), c(10)))).isEqualTo(1024.0);
    assertThat(eval(new Expression.Unary(Function.NEG, c(10)))).isEqualTo(-10.0);
    assertThat(eval(new Expression.Unary(Function.ABS, c(-3)))).isEqualTo(3.0);
    assertThat(eval(new Expression.Unary(Function.SQRT, c(16)))).isEqualTo(4.0);
    assertThat(eval(new Expression.Unary(Function.LOG10, c(1000)))).isEqualTo(3.0, within(1e-6));
    assertThat(eval(new Expression.Unary(Function.LN, c(Math.E)))).isEqualTo(1.0, within(1e-6));
    assertThat(eval(new Expression.Unary(Function.EXP, c(0)))).isEqualTo(1.0);
  }

  @Test
  void zeroShortcutsSkipWhatWouldFail() {
    // a zero factor ends the product before the missing variable is read
    assertThat(eval(new Expression.Mult(List.of(c(0), v("missing"))))).isZero();
    // a zero numerator ends the division before the denominator is read
    assertThat(eval(new Expression.Div(c(0), v("missing"), null))).isZero();
  }

  @Test
  void decaysReachTheirMidpointAtTheScale() {
    for (DecayKind kind : DecayKind.values()) {
      // |x - target| == scale gives the midpoint
      Expression at = Formula.decay(kind, c(13), c(10), 0.25f, 3f);
      assertThat(eval(at)).as(kind.name()).isEqualTo(0.25, within(1e-6));
      // x == target gives 1
      assertThat(eval(Formula.decay(kind, c(10), c(10), 0.25f, 3f))).isEqualTo(1.0, within(1e-9));
    }
    // defaults: target 0, midpoint 0.5, scale 1; at x = 2:
    // linear 1 - 0.5 * 2 = 0, exponential 0.5^2, gaussian 0.5^4
    assertThat(eval(Formula.decay(DecayKind.LIN, c(2), null, null, null))).isZero();
    assertThat(eval(Formula.decay(DecayKind.EXP, c(2), null, null, null)))
        .isEqualTo(0.25, within(1e-6));
    assertThat(eval(Formula.decay(DecayKind.GAUSS, c(2), null, null, null)))
        .isEqualTo(0.0625, within(1e-6));
    // linear decay may reach 0 before the scale: midpoint 0 at scale 4 is 0 from 4 on
    assertThat(eval(Formula.decay(DecayKind.LIN, c(6), null, 0f, 4f))).isZero();
  }

  @Test
  void decayParametersAreCheckedAsQdrantChecksThem() {
    assertThatThrownBy(() -> Formula.decay(DecayKind.EXP, c(1), null, 1f, null))
        .isInstanceOf(StorageException.BadInput.class)
        .hasMessage("Decay midpoint should be in the range (0.0, 1.0), got 1.");
    assertThatThrownBy(() -> Formula.decay(DecayKind.LIN, c(1), null, 1.5f, null))
        .hasMessage("Linear decay midpoint should be in the range [0.0, 1.0], got 1.5.");
    assertThatThrownBy(() -> Formula.decay(DecayKind.GAUSS, c(1), null, null, 0f))
        .hasMessage("Decay scale should be non-zero positive, got 0.");
  }

  @Test
  void geoDistanceAndDatetimes() {
    // Qdrant's own case: 21,926.494 m between these two points
    assertThat(eval(new Expression.GeoDistance(25.717877679163667, -100.43383200156751, "loc")))
        .isEqualTo(21926.494, within(0.01));
    assertThat(eval(Formula.datetime("2025-01-01T00:00:00Z"))).isEqualTo(1_735_689_600.0);
    assertThat(eval(Formula.datetime("2025-01-01"))).isEqualTo(1_735_689_600.0);
    // one day after the constant, in seconds
    assertThat(
            eval(
                new Expression.Sum(
                    List.of(
                        new Expression.DatetimeKey("at"),
                        new Expression.Unary(
                            Function.NEG, Formula.datetime("2025-01-01T00:00:00Z"))))))
        .isEqualTo(86_400.0);
    assertThatThrownBy(() -> Formula.datetime("yesterday"))
        .isInstanceOf(StorageException.BadInput.class);
  }

  @Test
  void defaultsFillWhatAPointLacks() {
    Map<String, Value> defaults =
        Map.of(
            "$score[3]", new Value.Double(1.5),
            "missing", new Value.Int(85),
            "nowhere",
                new Value.Struct(Map.of("lat", new Value.Int(25), "lon", new Value.Int(-100))));
    assertThat(eval(v("$score[3]"), defaults)).isEqualTo(1.5);
    assertThat(eval(v("missing"), defaults)).isEqualTo(85.0);
    assertThat(
            eval(
                new Expression.GeoDistance(25.717877679163667, -100.43383200156751, "nowhere"),
                defaults))
        .isEqualTo(90951.3, within(0.1));
    // $score and $score[0] name one variable
    assertThat(new Formula(v("$score[5]"), Map.of("$score", new Value.Int(9))).defaults().keySet())
        .isEqualTo(Set.of("$score[0]"));
    // a payload value wins over its default
    assertThat(eval(v("price"), Map.of("price", new Value.Int(1)))).isEqualTo(85.0);
  }

  @Test
  void missingAndMistypedValuesFailTheQueryWithQdrantsMessages() {
    assertThatThrownBy(() -> eval(v("missing")))
        .isInstanceOf(StorageException.BadInput.class)
        .hasMessage(
            "Expected number value for missing in the payload and/or in the formula defaults."
                + " Error: No value found in a payload nor defaults");
    assertThatThrownBy(() -> eval(v("name")))
        .hasMessage(
            "Expected number value for name in the payload and/or in the formula defaults."
                + " Error: Value is not a number");
    assertThatThrownBy(() -> eval(v("tags")))
        .as("several values are not one number")
        .hasMessageEndingWith("Error: Value is not a number");
    assertThatThrownBy(() -> eval(new Expression.GeoDistance(0, 0, "price")))
        .hasMessageStartingWith("Expected geo point value for price");
    assertThatThrownBy(() -> eval(new Expression.DatetimeKey("price")))
        .hasMessageStartingWith("Expected datetime value for price");
  }

  @Test
  void nonFiniteResultsNameTheirExpression() {
    assertThatThrownBy(() -> eval(new Expression.Div(c(1), c(0), null)))
        .hasMessage("The expression 1/0 = inf produced a non-finite number");
    assertThatThrownBy(() -> eval(new Expression.Unary(Function.SQRT, c(-3))))
        .hasMessage("The expression √-3 = NaN produced a non-finite number");
    assertThatThrownBy(() -> eval(new Expression.Pow(c(-1), c(0.5))))
        .hasMessage("The expression -1^0.5 = NaN produced a non-finite number");
    assertThatThrownBy(() -> eval(new Expression.Unary(Function.LOG10, c(0))))
        .hasMessage("The expression log10(0) = -inf produced a non-finite number");
    assertThatThrownBy(() -> eval(new Expression.Unary(Function.LN, c(0))))
        .hasMessage("The expression ln(0) = -inf produced a non-finite number");
    assertThatThrownBy(() -> eval(new Expression.Unary(Function.EXP, c(1000))))
        .hasMessage("The expression exp(1000) = inf produced a non-finite number");
  }

  @Test
  void variableNamesAreParsedAsQdrantParsesThem() {
    assertThat(v("$score[12]")).isEqualTo(new Expression.Score(12));
    assertThatThrownBy(() -> v("$other")).hasMessage("Invalid reserved word: $other");
    assertThatThrownBy(() -> v("$score.x")).hasMessage("Invalid reserved variable: $score.x");
    assertThatThrownBy(() -> v("$score[1][2]"))
        .hasMessage("Invalid reserved variable: $score[1][2]");
    assertThatThrownBy(() -> v("$score[]")).hasMessage("Invalid reserved variable: $score[]");
    assertThatThrownBy(() -> v("")).hasMessage("Invalid payload variable: ");
    assertThatThrownBy(() -> new Formula(c(1), Map.of("$nope", new Value.Int(1))))
        .hasMessage("Invalid reserved word: $nope");
  }

  @Test
  void theBudgetBoundsSizeAndDepth() {
    Formula.Budget wide = new Formula.Budget();
    for (int i = 0; i < Formula.MAX_NODES; i++) {
      wide.enter(2);
    }
    assertThatThrownBy(() -> wide.enter(2))
        .isInstanceOf(StorageException.BadInput.class)
        .hasMessageContaining("more than " + Formula.MAX_NODES);
    assertThatThrownBy(() -> new Formula.Budget().enter(Formula.MAX_DEPTH + 1))
        .hasMessageContaining("nested deeper than " + Formula.MAX_DEPTH);
  }

  @Test
  void payloadKeysAndConditionsAreListedOnce() {
    Formula f =
        new Formula(
            new Expression.Sum(
                List.of(
                    v("price"),
                    v("price"),
                    new Expression.GeoDistance(0, 0, "loc"),
                    new Expression.DatetimeKey("at"),
                    new Expression.Check(RED),
                    new Expression.Unary(Function.NEG, new Expression.Check(RED)),
                    new Expression.Check(BLUE))),
            Map.of());
    assertThat(f.payloadKeys()).containsExactly("price", "loc", "at");
    assertThat(f.conditions()).containsExactly(RED, BLUE);
  }

  @Test
  void numbersPrintAsQdrantPrintsThem() {
    assertThat(Formula.number(1.0)).isEqualTo("1");
    assertThat(Formula.number(-0.25)).isEqualTo("-0.25");
    assertThat(Formula.number(1e21)).isEqualTo("1000000000000000000000");
    assertThat(Formula.number(Double.NEGATIVE_INFINITY)).isEqualTo("-inf");
  }
}
