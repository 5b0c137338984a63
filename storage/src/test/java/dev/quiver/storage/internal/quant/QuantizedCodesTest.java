package dev.quiver.storage.internal.quant;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.storage.Distance;
import dev.quiver.storage.Quantization;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Code files of an earlier layout: read when the quantizer reads them, else encoded again. */
class QuantizedCodesTest {
  private static final int DIM = 16;

  @TempDir Path dir;

  @Test
  void binaryCodesOfTheFirstLayoutAreDiscarded() throws IOException {
    Quantization binary = new Quantization.Binary(null, null, null, null);
    Path at = written(binary, "binary");
    stampVersion(at, 1);
    assertThat(QuantizedCodes.open(at, binary, Distance.DOT, DIM, 100, false)).isNull();
    assertThat(at.resolve("codes-00000.qnt")).doesNotExist();
    assertThat(at.resolve(QuantizedCodes.PARAMS)).doesNotExist();
  }

  @Test
  void turboCodesOfTheSecondLayoutAreDiscarded() throws IOException {
    Quantization turbo = new Quantization.Turbo("bits2", null, null);
    Path at = written(turbo, "turbo");
    stampVersion(at, 2);
    assertThat(QuantizedCodes.open(at, turbo, Distance.DOT, DIM, 100, false)).isNull();
    assertThat(at.resolve("codes-00000.qnt")).doesNotExist();
  }

  @Test
  void scalarCodesOfTheFirstLayoutAreRead() throws IOException {
    Quantization scalar = new Quantization.Scalar(null, null, null);
    Path at = written(scalar, "scalar");
    stampVersion(at, 1);
    try (QuantizedCodes codes = QuantizedCodes.open(at, scalar, Distance.DOT, DIM, 100, false)) {
      assertThat(codes).isNotNull();
    }
    // and the current layout of either is read as it is
    Quantization binary = new Quantization.Binary(null, null, null, null);
    Path current = written(binary, "current");
    try (QuantizedCodes codes =
        QuantizedCodes.open(current, binary, Distance.DOT, DIM, 100, false)) {
      assertThat(codes).isNotNull();
    }
  }

  private Path written(Quantization config, String name) throws IOException {
    Path at = Files.createDirectories(dir.resolve(name));
    Random random = new Random(7);
    List<float[]> vectors = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      float[] v = new float[DIM];
      for (int k = 0; k < DIM; k++) {
        v[k] = (float) random.nextGaussian();
      }
      vectors.add(v);
    }
    Quantizer quantizer = Quantizer.train(config, Distance.DOT, DIM, vectors);
    try (QuantizedCodes codes = QuantizedCodes.create(at, config, quantizer, false)) {
      for (int i = 0; i < vectors.size(); i++) {
        codes.set(i, vectors.get(i));
      }
      codes.force();
    }
    return at;
  }

  private static void stampVersion(Path dir, int version) throws IOException {
    try (FileChannel ch =
        FileChannel.open(dir.resolve("codes-00000.qnt"), StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(0, version), 4);
    }
  }
}
