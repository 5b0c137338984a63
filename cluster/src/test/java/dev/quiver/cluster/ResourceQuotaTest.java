package dev.quiver.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.storage.Filter;
import dev.quiver.storage.Point;
import dev.quiver.storage.PointId;
import dev.quiver.storage.QuotaConfig;
import dev.quiver.storage.StorageException;
import dev.quiver.storage.UpdateOp;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ResourceQuotaTest {
  /** Readings a test sets; the quotas below read them at every call (no reading is reused). */
  static final class FakeReadings implements ResourceQuota.Readings {
    volatile Integer memory;
    volatile Integer disk;

    @Override
    public Integer residentMemoryPercent() {
      return memory;
    }

    @Override
    public Integer diskUsagePercent() {
      return disk;
    }
  }

  static final UpdateOp UPSERT =
      new UpdateOp.Upsert(
          List.of(new Point(PointId.of(1), java.util.Map.of("", new float[] {1f}), null)));

  private final FakeReadings readings = new FakeReadings();
  private final AtomicReference<QuotaConfig> config = new AtomicReference<>(QuotaConfig.DISABLED);

  @Test
  void trippedResourceStaysRefusedUntilItFallsTheMarginBelowTheLimit() {
    config.set(new QuotaConfig(true, null, 90, 5));
    readings.disk = 89;
    readings.memory = 50;
    var q = new ResourceQuota(config::get, readings, 0);
    assertThat(q.exceeded()).isEqualTo(new ResourceQuota.Exceeded(null, false));
    q.checkUpdate(UPSERT);
    readings.disk = 90; // reaching the limit trips it
    assertThat(q.exceeded().diskUsage()).isTrue();
    assertThatThrownBy(() -> q.checkUpdate(UPSERT))
        .isInstanceOf(StorageException.InsufficientStorage.class)
        .hasMessage(
            "disk usage is at 90%, the quota is 90%: writes are refused until it is at or below"
                + " 85%");
    readings.disk = 86; // under the limit, but not a margin below: still refused
    assertThat(q.exceeded().diskUsage()).isTrue();
    readings.disk = 85;
    assertThat(q.exceeded().diskUsage()).isFalse();
    q.checkUpdate(UPSERT);
    readings.disk = 88; // below the limit after a release: accepted
    assertThat(q.exceeded().diskUsage()).isFalse();
  }

  @Test
  void zeroMarginReleasesAsSoonAsUsageIsBackUnderTheLimit() {
    config.set(new QuotaConfig(true, 80, null, 0));
    readings.memory = 80;
    var q = new ResourceQuota(config::get, readings, 0);
    assertThat(q.exceeded().residentMemory()).isTrue();
    assertThatThrownBy(q::checkWrite).hasMessageStartingWith("resident memory is at 80%");
    readings.memory = 79;
    assertThat(q.exceeded().residentMemory()).isFalse();
    q.checkWrite();
  }

  @Test
  void defaultMarginAppliesWhenNoneIsSet() {
    config.set(new QuotaConfig(true, null, 50, null));
    readings.disk = 50;
    var q = new ResourceQuota(config::get, readings, 0);
    assertThat(q.exceeded().diskUsage()).isTrue();
    readings.disk = 50 - QuotaConfig.DEFAULT_RELEASE_MARGIN_PERCENT + 1;
    assertThat(q.exceeded().diskUsage()).isTrue();
    readings.disk = 50 - QuotaConfig.DEFAULT_RELEASE_MARGIN_PERCENT;
    assertThat(q.exceeded().diskUsage()).isFalse();
  }

  @Test
  void deletionsPassAndNothingIsEnforcedWhenDisabledUnsetOrUnmeasurable() {
    config.set(new QuotaConfig(true, 10, 10, 0));
    readings.memory = 99;
    readings.disk = 99;
    var q = new ResourceQuota(config::get, readings, 0);
    q.checkUpdate(new UpdateOp.DeletePoints(List.of(PointId.of(1))));
    q.checkUpdate(new UpdateOp.DeleteByFilter(Filter.hasValue("k")));
    assertThatThrownBy(() -> q.checkUpdate(UPSERT))
        .isInstanceOf(StorageException.InsufficientStorage.class);

    config.set(new QuotaConfig(false, 10, 10, 0)); // disabled: nothing reported, nothing refused
    assertThat(q.exceeded()).isEqualTo(new ResourceQuota.Exceeded(null, null));
    q.checkUpdate(UPSERT);

    config.set(new QuotaConfig(true, null, 10, 0)); // no memory limit: memory is not enforced
    readings.disk = null; // and a disk that cannot be measured is neither
    assertThat(q.exceeded()).isEqualTo(new ResourceQuota.Exceeded(null, null));
    q.checkUpdate(UPSERT);
  }

  @Test
  void configurationValuesAreChecked() {
    assertThatThrownBy(() -> new QuotaConfig(true, 0, null, null))
        .hasMessageContaining("max_resident_memory_percent");
    assertThatThrownBy(() -> new QuotaConfig(true, null, 101, null))
        .hasMessageContaining("max_disk_usage_percent");
    assertThatThrownBy(() -> new QuotaConfig(true, null, null, -1))
        .hasMessageContaining("release_margin_percent");
  }

  @Test
  void systemReadingsArePercentagesOnLinux() {
    var system = ResourceQuota.system(java.nio.file.Path.of("."));
    if (java.nio.file.Files.exists(java.nio.file.Path.of("/proc/self/status"))) {
      assertThat(system.residentMemoryPercent()).isBetween(0, 100);
    }
    assertThat(system.diskUsagePercent()).isBetween(0, 100);
  }
}
