package dev.quiver.server.grpc;

import dev.quiver.server.query.Formula;
import dev.quiver.server.query.Formula.Expression;
import dev.quiver.server.request.RequestException;
import dev.quiver.storage.Value;
import io.qdrant.client.grpc.Points;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Decodes the gRPC {@code Formula} into a {@link Formula}, as {@code FormulaJson} does REST's. */
final class FormulaProto {
  private FormulaProto() {}

  static Formula formula(Points.Formula f) {
    if (!f.hasExpression()) {
      throw new RequestException.Invalid("body", "formula.expression", "an expression is required");
    }
    Formula.Budget budget = new Formula.Budget();
    Expression e = expression(f.getExpression(), budget, 1);
    Map<String, Value> defaults = new LinkedHashMap<>();
    f.getDefaultsMap().forEach((k, v) -> defaults.put(k, ProtoCodec.value(v)));
    return new Formula(e, defaults);
  }

  private static Expression expression(Points.Expression e, Formula.Budget budget, int depth) {
    budget.enter(depth);
    int next = depth + 1;
    return switch (e.getVariantCase()) {
      case CONSTANT -> new Expression.Constant(e.getConstant());
      case VARIABLE -> Formula.variable(e.getVariable());
      case CONDITION -> new Expression.Check(FilterProto.condition(e.getCondition()));
      case GEO_DISTANCE -> {
        Points.GeoDistance g = e.getGeoDistance();
        double lat = g.getOrigin().getLat();
        double lon = g.getOrigin().getLon();
        if (lat < -90 || lat > 90 || lon < -180 || lon > 180) {
          throw new RequestException.Invalid(
              "body",
              "geo_distance.origin",
              "expected `lat` within [-90;90] and `lon` within [-180;180]");
        }
        yield new Expression.GeoDistance(lat, lon, g.getTo());
      }
      case DATETIME -> Formula.datetime(e.getDatetime());
      case DATETIME_KEY -> new Expression.DatetimeKey(e.getDatetimeKey());
      case MULT -> new Expression.Mult(list(e.getMult().getMultList(), budget, next));
      case SUM -> new Expression.Sum(list(e.getSum().getSumList(), budget, next));
      case DIV -> {
        Points.DivExpression d = e.getDiv();
        yield new Expression.Div(
            expression(d.getLeft(), budget, next),
            expression(d.getRight(), budget, next),
            d.hasByZeroDefault() ? (double) d.getByZeroDefault() : null);
      }
      case NEG -> unary(Formula.Function.NEG, e.getNeg(), budget, next);
      case ABS -> unary(Formula.Function.ABS, e.getAbs(), budget, next);
      case SQRT -> unary(Formula.Function.SQRT, e.getSqrt(), budget, next);
      case POW ->
          new Expression.Pow(
              expression(e.getPow().getBase(), budget, next),
              expression(e.getPow().getExponent(), budget, next));
      case EXP -> unary(Formula.Function.EXP, e.getExp(), budget, next);
      case LOG10 -> unary(Formula.Function.LOG10, e.getLog10(), budget, next);
      case LN -> unary(Formula.Function.LN, e.getLn(), budget, next);
      case EXP_DECAY -> decay(Formula.DecayKind.EXP, e.getExpDecay(), budget, next);
      case GAUSS_DECAY -> decay(Formula.DecayKind.GAUSS, e.getGaussDecay(), budget, next);
      case LIN_DECAY -> decay(Formula.DecayKind.LIN, e.getLinDecay(), budget, next);
      case VARIANT_NOT_SET ->
          throw new RequestException.Invalid("body", "formula", "an expression is empty");
    };
  }

  private static List<Expression> list(
      List<Points.Expression> items, Formula.Budget budget, int depth) {
    List<Expression> out = new ArrayList<>(items.size());
    for (Points.Expression item : items) {
      out.add(expression(item, budget, depth));
    }
    return out;
  }

  private static Expression unary(
      Formula.Function f, Points.Expression arg, Formula.Budget budget, int depth) {
    return new Expression.Unary(f, expression(arg, budget, depth));
  }

  private static Expression decay(
      Formula.DecayKind kind, Points.DecayParamsExpression d, Formula.Budget budget, int depth) {
    return Formula.decay(
        kind,
        expression(d.getX(), budget, depth),
        d.hasTarget() ? expression(d.getTarget(), budget, depth) : null,
        d.hasMidpoint() ? d.getMidpoint() : null,
        d.hasScale() ? d.getScale() : null);
  }
}
