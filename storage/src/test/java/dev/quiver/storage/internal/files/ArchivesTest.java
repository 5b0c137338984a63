package dev.quiver.storage.internal.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArchivesTest {
  @TempDir Path dir;

  private Path zip(String... entries) throws IOException {
    Path archive = dir.resolve("a.zip");
    try (OutputStream out = Files.newOutputStream(archive);
        ZipOutputStream zip = new ZipOutputStream(out)) {
      for (String e : entries) {
        zip.putNextEntry(new ZipEntry(e));
        zip.write(e.getBytes());
        zip.closeEntry();
      }
    }
    return archive;
  }

  @Test
  void entriesOutsideTheTargetAreRefused() throws Exception {
    assertThatThrownBy(() -> Archives.unzip(zip("../evil"), dir.resolve("t1")))
        .isInstanceOf(Archives.Refused.class)
        .hasMessageContaining("outside");
    Archives.unzip(zip("a/b", "c"), dir.resolve("t3"));
    assertThat(Files.readString(dir.resolve("t3/a/b"))).isEqualTo("a/b");
  }

  /** A 205 KB upload expanded to 201 MB: the entry count is capped. */
  @Test
  void tooManyEntriesAreRefused() throws Exception {
    String[] many = new String[101];
    for (int i = 0; i < many.length; i++) {
      many[i] = "e" + i;
    }
    Archives.unzip(zip(java.util.Arrays.copyOf(many, 100)), dir.resolve("fits"), 100);
    assertThatThrownBy(() -> Archives.unzip(zip(many), dir.resolve("t"), 100))
        .isInstanceOf(Archives.Refused.class)
        .hasMessageContaining("entries");
  }

  @Test
  void descriptionsCarryNoPaths() {
    String secret = dir.resolve("storage/collections/x").toString();
    assertThat(Archives.describe(new NoSuchFileException(secret))).doesNotContain(secret);
    assertThat(Archives.describe(new IOException("read " + secret))).doesNotContain(secret);
  }
}
