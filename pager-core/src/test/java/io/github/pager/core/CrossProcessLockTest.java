package io.github.pager.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pager.core.storage.FileStorage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * One writer per file across processes: a second process's writer is refused, readers are not,
 * and nothing else the writer's own process opens or closes gives its lock away. The same holds
 * for a read-only pager's slot in the reader table, another lock of the same lock file.
 */
class CrossProcessLockTest {
  @TempDir Path dir;

  /**
   * What the writer's own JVM may do with its file while it writes. Each of these once closed a
   * descriptor of the data file, and the kernel dropped the writer's record lock with it.
   */
  enum Trigger {
    READ_ONLY_PAGER {
      @Override
      void run(Path path) throws IOException {
        try (Pager reader = Pager.open(path, PagerOptions.defaults().withReadOnly(true))) {
          assertThat(reader.allocatedPages()).isNotEmpty();
        }
      }
    },
    INSPECTION {
      @Override
      void run(Path path) throws IOException {
        assertThat(PageFileInspection.inspect(path).generation()).isPositive();
      }
    },
    REFUSED_SECOND_WRITER {
      @Override
      void run(Path path) {
        assertThatThrownBy(() -> Pager.open(path)).isInstanceOf(PageFileLockedException.class);
      }
    },
    READ_ALL_BYTES {
      @Override
      void run(Path path) throws IOException {
        assertThat(Files.readAllBytes(path)).isNotEmpty();
      }
    },
    /** What the command-line tool asks before it reads a file. */
    WRITER_QUERY {
      @Override
      void run(Path path) throws IOException {
        assertThat(FileStorage.isLockedForWriting(path)).isTrue();
      }
    };

    abstract void run(Path path) throws IOException;
  }

  @ParameterizedTest
  @EnumSource(Trigger.class)
  void aWriterKeepsItsLockWhateverElseItsProcessOpensAndCloses(Trigger trigger) throws Exception {
    Path path = dir.resolve("pages.db");
    try (Pager writer = Pager.create(path, PagerOptions.defaults())) {
      PageId first = writer.alloc();
      trigger.run(path);
      assertThat(tryInChild(path)).as("a writer in another process, after " + trigger).startsWith("REFUSED");
      assertThat(writer.alloc()).as("the writer still works").isNotEqualTo(first);
    }
  }

  @ParameterizedTest
  @EnumSource(Trigger.class)
  void aRegisteredReaderKeepsItsSlotWhateverElseItsProcessOpensAndCloses(Trigger trigger) throws Exception {
    Path path = dir.resolve("pages.db");
    try (Pager pager = Pager.create(path, PagerOptions.defaults())) {
      pager.alloc();
    }
    // A writer in another process, as the triggers that refuse or query one need.
    Process holder = startHolder(path);
    try {
      awaitHolding(holder);
      try (Pager reader = Pager.open(path, PagerOptions.defaults().withReadOnly(true))) {
        assertThat(reader.isRegisteredReader()).isTrue();
        trigger.run(path);
        assertThat(readersInChild(path)).as("the reader table seen from another process, after " + trigger)
            .isEqualTo("READERS 1 " + reader.generation());
      }
      assertThat(readersInChild(path)).as("after the reader closed").isEqualTo("READERS 0 none");
    } finally {
      holder.getOutputStream().close();
      if (!holder.waitFor(30, TimeUnit.SECONDS)) {
        holder.destroyForcibly();
      }
    }
  }

  @Test
  void aWriterInAnotherProcessLocksOutThisOne() throws Exception {
    Path path = dir.resolve("pages.db");
    try (Pager pager = Pager.create(path, PagerOptions.defaults())) {
      pager.alloc();
    }
    Process child = startHolder(path);
    try {
      awaitHolding(child);
      assertThatThrownBy(() -> Pager.open(path))
          .isInstanceOf(PageFileLockedException.class)
          .hasMessageContaining(path.toString());
      try (Pager reader = Pager.open(path, PagerOptions.defaults().withReadOnly(true))) {
        assertThat(reader.allocatedPages()).isNotEmpty();
      }
    } finally {
      child.getOutputStream().close();
      if (!child.waitFor(30, TimeUnit.SECONDS)) {
        child.destroyForcibly();
      }
    }
    assertThat(child.exitValue()).isZero();
    try (Pager pager = Pager.open(path)) {
      assertThat(pager.allocatedPages()).hasSize(2);
    }
  }

  @Test
  void aKilledWritersLockIsGoneWithIt() throws Exception {
    Path path = dir.resolve("pages.db");
    try (Pager pager = Pager.create(path, PagerOptions.defaults())) {
      pager.alloc();
    }
    Process child = startHolder(path);
    try {
      awaitHolding(child);
      assertThatThrownBy(() -> Pager.open(path)).isInstanceOf(PageFileLockedException.class);
    } finally {
      child.destroyForcibly();
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    // SIGKILL ran no close: the kernel dropped the lock with the process.
    try (Pager pager = Pager.open(path)) {
      assertThat(pager.allocatedPages()).hasSize(2);
    }
  }

  private static void awaitHolding(Process child) throws IOException {
    BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
    assertThat(out.readLine()).as("child output").startsWith("HOLDING");
  }

  private static Process startHolder(Path path) throws IOException {
    return child("hold", path).start();
  }

  /** Runs a child that tries to open the file for writing once; returns what it printed. */
  private static String tryInChild(Path path) throws Exception {
    return runChild("try", path);
  }

  /** Runs a child that counts the live readers other than itself; returns what it printed. */
  private static String readersInChild(Path path) throws Exception {
    return runChild("readers", path);
  }

  private static String runChild(String mode, Path path) throws Exception {
    Process child = child(mode, path).start();
    child.getOutputStream().close();
    String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(child.waitFor(30, TimeUnit.SECONDS)).as("child exited").isTrue();
    assertThat(child.exitValue()).as("child exit code; it printed: " + out).isZero();
    return out;
  }

  private static ProcessBuilder child(String mode, Path path) {
    return TestJvms.java(List.of(), WriterLockMain.class, mode, path.toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT);
  }

}
