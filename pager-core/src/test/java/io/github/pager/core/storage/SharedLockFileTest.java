package io.github.pager.core.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the writer lock lives, who creates its file, and when this JVM lets go of it. */
class SharedLockFileTest {
  @TempDir Path dir;
  private Path data;
  private Path lockFile;

  @BeforeEach
  void someFile() throws IOException {
    data = Files.write(dir.resolve("pages.db"), new byte[4096]);
    lockFile = dir.resolve("pages.db-lock");
  }

  @Test
  void onlyAWriterOrAReaderTableCreatesTheLockFileBesideTheRealFile() throws IOException {
    try (FileStorage reader = FileStorage.open(data, true)) {
      assertThat(reader.size()).isEqualTo(4096);
    }
    assertThat(FileStorage.isLockedForWriting(data)).isFalse();
    assertThat(lockFile).as("opening read-only and asking make no lock file (a reader's slot does)").doesNotExist();

    Path elsewhere = Files.createDirectory(dir.resolve("elsewhere"));
    Path link = Files.createSymbolicLink(elsewhere.resolve("link.db"), data);
    assertThat(FileStorage.lockFileOf(link)).isEqualTo(dir.toRealPath().resolve("pages.db-lock"));
    try (FileStorage writer = FileStorage.open(link, false)) {
      assertThat(writer.tryLockForWriting()).isTrue();
      assertThat(lockFile).exists();
      assertThat(elsewhere.resolve("link.db-lock")).doesNotExist();
      assertThat(FileStorage.isLockedForWriting(data)).isTrue();
    }
    assertThat(FileStorage.isLockedForWriting(data)).isFalse();
    assertThat(lockFile).as("kept for the next writer").exists();
  }

  @Test
  void aRefusedWriterLeavesTheHolderItsLockAndTheLastHolderClosesTheFile() throws IOException {
    int before = SharedLockFile.openCount();
    try (FileStorage first = FileStorage.open(data, false)) {
      assertThat(first.tryLockForWriting()).isTrue();
      assertThat(SharedLockFile.openCount()).isEqualTo(before + 1);
      try (FileStorage second = FileStorage.open(data, false)) {
        assertThat(second.tryLockForWriting()).isFalse();
      }
      assertThat(SharedLockFile.openCount()).as("the refused one shares the channel").isEqualTo(before + 1);
      assertThat(FileStorage.isLockedForWriting(data)).isTrue();
    }
    assertThat(SharedLockFile.openCount()).isEqualTo(before);
    try (FileStorage third = FileStorage.open(data, false)) {
      assertThat(third.tryLockForWriting()).isTrue();
    }
  }

  @Test
  void aLockFileThatCannotBeOpenedFailsTheWriterAndNamesIt() throws IOException {
    // Tests run as root here, so a read-only directory would not stop us; a directory in the
    // lock file's place does.
    Files.createDirectory(lockFile);
    int before = SharedLockFile.openCount();
    try (FileStorage writer = FileStorage.open(data, false)) {
      assertThatThrownBy(writer::tryLockForWriting)
          .isInstanceOf(IOException.class)
          .hasMessageContaining("lock file " + lockFile.toRealPath())
          .hasMessageContaining(data.toString());
    }
    assertThat(SharedLockFile.openCount()).isEqualTo(before);
  }

  @Test
  void aMissingDataFileHasNoLockFile() {
    assertThatThrownBy(() -> FileStorage.isLockedForWriting(dir.resolve("missing")))
        .isInstanceOf(NoSuchFileException.class);
    assertThatThrownBy(() -> FileStorage.lockFileOf(dir.resolve("missing"))).isInstanceOf(NoSuchFileException.class);
  }
}
