package dev.quiver.server.rest;

import static dev.quiver.server.rest.JsonArgs.array;
import static dev.quiver.server.rest.JsonArgs.object;
import static dev.quiver.server.rest.JsonArgs.onlyImplemented;
import static dev.quiver.server.rest.JsonArgs.optFloat;
import static dev.quiver.server.rest.JsonArgs.required;
import static dev.quiver.server.rest.JsonArgs.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.server.query.Formula;
import dev.quiver.server.query.Formula.Expression;
import dev.quiver.server.request.RequestException;
import dev.quiver.storage.Value;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decodes a {@code FormulaQuery} ({@code {"formula": Expression, "defaults": {...}}}) into a {@link
 * Formula}. An expression is a number, a variable name, an object named by one operation ({@code
 * sum}, {@code exp_decay}, ...), or else a filter condition, as Qdrant's untagged {@code
 * Expression} reads it; an operation object with any other field is refused by name.
 */
final class FormulaJson {
  private FormulaJson() {}

  private static final Set<String> OPERATIONS =
      Set.of(
          "geo_distance",
          "datetime",
          "datetime_key",
          "mult",
          "sum",
          "neg",
          "abs",
          "div",
          "sqrt",
          "pow",
          "exp",
          "log10",
          "ln",
          "lin_decay",
          "exp_decay",
          "gauss_decay");

  /** The query object {@code o} holding {@code formula} and {@code defaults}. */
  static Formula formula(ObjectNode o, String path) {
    Formula.Budget budget = new Formula.Budget();
    Expression e = expression(required(o, "formula", path), path + ".formula", budget, 1);
    Map<String, Value> defaults = new LinkedHashMap<>();
    JsonNode d = o.get("defaults");
    if (d != null && !d.isNull()) {
      object(d, path + ".defaults")
          .properties()
          .forEach(f -> defaults.put(f.getKey(), ValueJson.value(f.getValue())));
    }
    return new Formula(e, defaults);
  }

  private static Expression expression(JsonNode n, String path, Formula.Budget budget, int depth) {
    budget.enter(depth);
    if (n == null || n.isNull()) {
      throw new RequestException.Malformed(
          "Format error in JSON body: missing expression at `" + path + "`");
    }
    if (n.isNumber()) {
      return new Expression.Constant(n.floatValue()); // an f32, as Qdrant reads it
    }
    if (n.isTextual()) {
      return Formula.variable(n.asText());
    }
    if (!n.isObject()) {
      throw new RequestException.Malformed(
          "Format error in JSON body: data did not match any variant of untagged enum Expression"
              + " at `"
              + path
              + "`");
    }
    ObjectNode o = (ObjectNode) n;
    String op = null;
    for (String name : OPERATIONS) {
      if (o.has(name)) {
        op = name;
        break;
      }
    }
    if (op == null) {
      return new Expression.Check(FilterJson.condition(o, path));
    }
    onlyImplemented(o, path, Set.of(op));
    String at = path + "." + op;
    JsonNode arg = required(o, op, path);
    int next = depth + 1;
    return switch (op) {
      case "geo_distance" -> {
        ObjectNode g = object(arg, at);
        onlyImplemented(g, at, Set.of("origin", "to"));
        ObjectNode origin = object(required(g, "origin", at), at + ".origin");
        onlyImplemented(origin, at + ".origin", Set.of("lat", "lon"));
        double lat = coordinate(origin, "lat", 90, at + ".origin");
        double lon = coordinate(origin, "lon", 180, at + ".origin");
        yield new Expression.GeoDistance(lat, lon, text(required(g, "to", at), at + ".to"));
      }
      case "datetime" -> Formula.datetime(text(arg, at));
      case "datetime_key" -> new Expression.DatetimeKey(text(arg, at));
      case "mult" -> new Expression.Mult(list(arg, at, budget, next));
      case "sum" -> new Expression.Sum(list(arg, at, budget, next));
      case "neg" -> unary(Formula.Function.NEG, arg, at, budget, next);
      case "abs" -> unary(Formula.Function.ABS, arg, at, budget, next);
      case "sqrt" -> unary(Formula.Function.SQRT, arg, at, budget, next);
      case "exp" -> unary(Formula.Function.EXP, arg, at, budget, next);
      case "log10" -> unary(Formula.Function.LOG10, arg, at, budget, next);
      case "ln" -> unary(Formula.Function.LN, arg, at, budget, next);
      case "div" -> {
        ObjectNode d = object(arg, at);
        onlyImplemented(d, at, Set.of("left", "right", "by_zero_default"));
        Float byZero = optFloat(d, "by_zero_default");
        yield new Expression.Div(
            expression(required(d, "left", at), at + ".left", budget, next),
            expression(required(d, "right", at), at + ".right", budget, next),
            byZero == null ? null : (double) byZero);
      }
      case "pow" -> {
        ObjectNode p = object(arg, at);
        onlyImplemented(p, at, Set.of("base", "exponent"));
        yield new Expression.Pow(
            expression(required(p, "base", at), at + ".base", budget, next),
            expression(required(p, "exponent", at), at + ".exponent", budget, next));
      }
      case "lin_decay" -> decay(Formula.DecayKind.LIN, arg, at, budget, next);
      case "exp_decay" -> decay(Formula.DecayKind.EXP, arg, at, budget, next);
      case "gauss_decay" -> decay(Formula.DecayKind.GAUSS, arg, at, budget, next);
      default -> throw new IllegalStateException(op);
    };
  }

  private static List<Expression> list(JsonNode n, String path, Formula.Budget budget, int depth) {
    ArrayNode arr = array(n, path);
    List<Expression> out = new ArrayList<>(arr.size());
    for (int i = 0; i < arr.size(); i++) {
      out.add(expression(arr.get(i), path + "[" + i + "]", budget, depth));
    }
    return out;
  }

  private static Expression unary(
      Formula.Function f, JsonNode n, String path, Formula.Budget budget, int depth) {
    return new Expression.Unary(f, expression(n, path, budget, depth));
  }

  private static Expression decay(
      Formula.DecayKind kind, JsonNode n, String path, Formula.Budget budget, int depth) {
    ObjectNode d = object(n, path);
    onlyImplemented(d, path, Set.of("x", "target", "scale", "midpoint"));
    Expression x = expression(required(d, "x", path), path + ".x", budget, depth);
    JsonNode t = d.get("target");
    Expression target =
        t == null || t.isNull() ? null : expression(t, path + ".target", budget, depth);
    return Formula.decay(kind, x, target, optFloat(d, "midpoint"), optFloat(d, "scale"));
  }

  private static double coordinate(ObjectNode o, String field, double bound, String path) {
    JsonNode n = required(o, field, path);
    if (!n.isNumber()) {
      throw JsonArgs.malformed(n, "f64", path + "." + field);
    }
    double v = n.doubleValue();
    if (v < -bound || v > bound) {
      throw new RequestException.Malformed(
          "Format error in JSON body: Wrong format of GeoPoint payload: expected `"
              + field
              + "` = "
              + v
              + " within [-"
              + (int) bound
              + ";"
              + (int) bound
              + "] at `"
              + path
              + "`");
    }
    return v;
  }
}
