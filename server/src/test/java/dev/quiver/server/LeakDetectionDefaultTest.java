package dev.quiver.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LeakDetectionDefaultTest {
  private static final String KEY = "io.netty.leakDetection.level";
  private static final String OLD_KEY = "io.netty.leakDetectionLevel";
  private String saved;
  private String savedOld;

  @BeforeEach
  void save() {
    saved = System.clearProperty(KEY);
    savedOld = System.clearProperty(OLD_KEY);
  }

  @AfterEach
  void restore() {
    System.clearProperty(KEY);
    System.clearProperty(OLD_KEY);
    if (saved != null) {
      System.setProperty(KEY, saved);
    }
    if (savedOld != null) {
      System.setProperty(OLD_KEY, savedOld);
    }
  }

  @Test
  void offWhenNobodyAsked() {
    Main.leakDetectionOffUnlessAsked();
    assertThat(System.getProperty(KEY)).isEqualTo("disabled");
  }

  @Test
  void anOperatorsLevelStands() {
    System.setProperty(KEY, "paranoid");
    Main.leakDetectionOffUnlessAsked();
    assertThat(System.getProperty(KEY)).isEqualTo("paranoid");
  }

  @Test
  void theOldPropertyNameCountsAsAsking() {
    System.setProperty(OLD_KEY, "advanced");
    Main.leakDetectionOffUnlessAsked();
    assertThat(System.getProperty(KEY)).isNull();
  }
}
