package dev.quiver.server.grpc;

import dev.quiver.server.request.QuantizationSettings;
import dev.quiver.server.request.RequestException;
import dev.quiver.storage.Quantization;
import dev.quiver.storage.QuantizationParams;
import io.qdrant.client.grpc.Collections;
import io.qdrant.client.grpc.Points;
import java.util.Locale;

/**
 * {@code quantization_config} and a search's {@code params.quantization} in the protos: parsed into
 * the engine's {@link Quantization} and back. The protos carry {@code always_ram} but no {@code
 * memory}. Stateless (static methods only), so thread-safe.
 */
final class QuantizationProto {
  private QuantizationProto() {}

  static Quantization config(Collections.QuantizationConfig q, String path) {
    Quantization parsed =
        switch (q.getQuantizationCase()) {
          case SCALAR -> scalar(q.getScalar(), path);
          case PRODUCT -> product(q.getProduct());
          case BINARY -> binary(q.getBinary());
          case TURBOQUANT -> turbo(q.getTurboquant());
          case QUANTIZATION_NOT_SET ->
              throw new RequestException.Invalid("body", path, "no quantization given");
        };
    return parsed;
  }

  static Quantization diff(Collections.QuantizationConfigDiff q, String path) {
    Quantization parsed =
        switch (q.getQuantizationCase()) {
          case SCALAR -> scalar(q.getScalar(), path);
          case PRODUCT -> product(q.getProduct());
          case BINARY -> binary(q.getBinary());
          case TURBOQUANT -> turbo(q.getTurboquant());
          case DISABLED -> new Quantization.Disabled();
          case QUANTIZATION_NOT_SET ->
              throw new RequestException.Invalid("body", path, "no quantization given");
        };
    return parsed;
  }

  private static Quantization scalar(Collections.ScalarQuantization s, String path) {
    if (s.getType() != Collections.QuantizationType.Int8) {
      throw new RequestException.Invalid("body", path + ".scalar.type", "must be Int8");
    }
    Float quantile = s.hasQuantile() ? s.getQuantile() : null;
    if (quantile != null && !(quantile >= 0.5f && quantile <= 1f)) {
      throw new RequestException.Invalid(
          "body",
          path + ".scalar.quantile",
          "value " + quantile + " invalid, must be from 0.5 to 1.0");
    }
    return new Quantization.Scalar(quantile, s.hasAlwaysRam() ? s.getAlwaysRam() : null, null);
  }

  private static Quantization product(Collections.ProductQuantization p) {
    if (p.getCompression() == Collections.CompressionRatio.UNRECOGNIZED) {
      throw new RequestException.Invalid(
          "body", "product.compression", "unknown compression ratio");
    }
    return new Quantization.Product(
        p.getCompression().name(), p.hasAlwaysRam() ? p.getAlwaysRam() : null, null);
  }

  private static Quantization turbo(Collections.TurboQuantization t) {
    if (t.hasBits() && t.getBits() == Collections.TurboQuantBitSize.UNRECOGNIZED) {
      throw new RequestException.Invalid("body", "turbo.bits", "unknown bit size");
    }
    return new Quantization.Turbo(
        t.hasBits() ? t.getBits().name().toLowerCase(Locale.ROOT) : null,
        t.hasAlwaysRam() ? t.getAlwaysRam() : null,
        null);
  }

  private static Quantization binary(Collections.BinaryQuantization b) {
    Quantization.BinaryEncoding encoding =
        !b.hasEncoding()
            ? null
            : switch (b.getEncoding()) {
              case OneBit -> Quantization.BinaryEncoding.ONE_BIT;
              case TwoBits -> Quantization.BinaryEncoding.TWO_BITS;
              case OneAndHalfBits -> Quantization.BinaryEncoding.ONE_AND_HALF_BITS;
              case UNRECOGNIZED ->
                  throw new RequestException.Invalid(
                      "body", "binary.encoding", "unknown binary encoding");
            };
    Quantization.BinaryQueryEncoding query =
        !b.hasQueryEncoding() || !b.getQueryEncoding().hasSetting()
            ? null
            : switch (b.getQueryEncoding().getSetting()) {
              case Default -> Quantization.BinaryQueryEncoding.DEFAULT;
              case Binary -> Quantization.BinaryQueryEncoding.BINARY;
              case Scalar4Bits -> Quantization.BinaryQueryEncoding.SCALAR4BITS;
              case Scalar8Bits -> Quantization.BinaryQueryEncoding.SCALAR8BITS;
              case UNRECOGNIZED ->
                  throw new RequestException.Invalid(
                      "body", "binary.query_encoding", "unknown query encoding");
            };
    return new Quantization.Binary(
        encoding, query, b.hasAlwaysRam() ? b.getAlwaysRam() : null, null);
  }

  /** A served quantization as its message. */
  static Collections.QuantizationConfig message(Quantization q) {
    var out = Collections.QuantizationConfig.newBuilder();
    switch (q) {
      case Quantization.Scalar s -> {
        var m =
            Collections.ScalarQuantization.newBuilder().setType(Collections.QuantizationType.Int8);
        if (s.quantile() != null) {
          m.setQuantile(s.quantile());
        }
        if (s.alwaysRam() != null) {
          m.setAlwaysRam(s.alwaysRam());
        }
        out.setScalar(m);
      }
      case Quantization.Binary b -> {
        var m = Collections.BinaryQuantization.newBuilder();
        if (b.encoding() != null) {
          m.setEncoding(
              switch (b.encoding()) {
                case ONE_BIT -> Collections.BinaryQuantizationEncoding.OneBit;
                case TWO_BITS -> Collections.BinaryQuantizationEncoding.TwoBits;
                case ONE_AND_HALF_BITS -> Collections.BinaryQuantizationEncoding.OneAndHalfBits;
              });
        }
        if (b.queryEncoding() != null) {
          m.setQueryEncoding(
              Collections.BinaryQuantizationQueryEncoding.newBuilder()
                  .setSetting(
                      switch (b.queryEncoding()) {
                        case DEFAULT -> Collections.BinaryQuantizationQueryEncoding.Setting.Default;
                        case BINARY -> Collections.BinaryQuantizationQueryEncoding.Setting.Binary;
                        case SCALAR4BITS ->
                            Collections.BinaryQuantizationQueryEncoding.Setting.Scalar4Bits;
                        case SCALAR8BITS ->
                            Collections.BinaryQuantizationQueryEncoding.Setting.Scalar8Bits;
                      }));
        }
        if (b.alwaysRam() != null) {
          m.setAlwaysRam(b.alwaysRam());
        }
        out.setBinary(m);
      }
      case Quantization.Product p -> {
        var m =
            Collections.ProductQuantization.newBuilder()
                .setCompression(Collections.CompressionRatio.valueOf(p.compression()));
        if (p.alwaysRam() != null) {
          m.setAlwaysRam(p.alwaysRam());
        }
        out.setProduct(m);
      }
      case Quantization.Turbo t -> {
        var m = Collections.TurboQuantization.newBuilder();
        if (t.bits() != null) {
          m.setBits(Collections.TurboQuantBitSize.valueOf("Bits" + t.bits().substring(4)));
        }
        if (t.alwaysRam() != null) {
          m.setAlwaysRam(t.alwaysRam());
        }
        out.setTurboquant(m);
      }
      case Quantization.Disabled _ ->
          throw new IllegalArgumentException("Disabled is an update, not a quantization");
    }
    return out.build();
  }

  /** A search's {@code params.quantization}, or null when not given. */
  static QuantizationParams params(boolean has, Points.SearchParams p) {
    if (!has || !p.hasQuantization()) {
      return null;
    }
    Points.QuantizationSearchParams q = p.getQuantization();
    return QuantizationSettings.params(
        q.hasIgnore() && q.getIgnore(),
        q.hasRescore() ? q.getRescore() : null,
        q.hasOversampling() ? q.getOversampling() : null,
        "params.quantization");
  }
}
