package dev.quiver.storage.internal.payload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.storage.Value;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PayloadBytesTest {
  private static Value.Struct sample() {
    Map<String, Value> nested = new LinkedHashMap<>();
    nested.put("deep", new Value.Array(List.of(new Value.Int(-1), Value.Null.INSTANCE)));
    Map<String, Value> fields = new LinkedHashMap<>();
    fields.put("cluster", new Value.Int(7));
    fields.put("min", new Value.Int(Long.MIN_VALUE));
    fields.put("max", new Value.Int(Long.MAX_VALUE));
    fields.put("price", new Value.Double(-0.0));
    fields.put("nan", new Value.Double(Double.NaN));
    fields.put("city", new Value.Str("東京 🗼"));
    fields.put("", new Value.Str(""));
    fields.put("ok", new Value.Bool(true));
    fields.put("no", new Value.Bool(false));
    fields.put("nested", new Value.Struct(nested));
    return new Value.Struct(fields);
  }

  @Test
  void aPayloadRoundTripsInOrderAndItsSizeIsCountedExactly() {
    Value.Struct p = sample();
    byte[] bytes = PayloadBytes.encode(p);
    Value.Struct back = PayloadBytes.decode(bytes);
    assertThat(back).isEqualTo(p);
    assertThat(back.fields().keySet()).containsExactlyElementsOf(p.fields().keySet());
    assertThat(Double.doubleToRawLongBits(((Value.Double) back.fields().get("price")).value()))
        .isEqualTo(Double.doubleToRawLongBits(-0.0));
    assertThat(PayloadBytes.size(p)).isEqualTo(bytes.length);
    assertThat(PayloadBytes.size(Value.Struct.EMPTY))
        .isEqualTo(PayloadBytes.encode(Value.Struct.EMPTY).length);
  }

  @Test
  void aSmallPayloadIsADozenBytes() {
    byte[] bytes = PayloadBytes.encode(new Value.Struct(Map.of("cluster", new Value.Int(999))));
    assertThat(bytes).hasSize(1 + 1 + 1 + 7 + 1 + 2); // struct, count, key, int, varint
  }

  @Test
  void truncatedOrTrailingBytesAreRefused() {
    byte[] bytes = PayloadBytes.encode(sample());
    for (int cut = 0; cut < bytes.length; cut++) {
      byte[] shorter = Arrays.copyOf(bytes, cut);
      assertThatThrownBy(() -> PayloadBytes.decode(shorter))
          .isInstanceOf(IllegalArgumentException.class);
    }
    byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
    assertThatThrownBy(() -> PayloadBytes.decode(longer))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
