package io.github.pager.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One writer per file across processes: a second process's writer is refused, readers are not. */
class CrossProcessLockTest {
  @TempDir Path dir;

  @Test
  void aWriterInAnotherProcessLocksOutThisOne() throws Exception {
    Path path = dir.resolve("pages.db");
    try (Pager pager = Pager.create(path, PagerOptions.defaults())) {
      pager.alloc();
    }
    Process child = startHolder(path);
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      String line = out.readLine();
      assertThat(line).as("child output").startsWith("HOLDING");
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

  private static Process startHolder(Path path) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> classPath = new ArrayList<>();
    for (String property : new String[] {"jdk.module.path", "java.class.path"}) {
      String value = System.getProperty(property);
      if (value != null && !value.isEmpty()) {
        classPath.add(value);
      }
    }
    return new ProcessBuilder(
            java, "-cp", String.join(File.pathSeparator, classPath), WriterLockMain.class.getName(), path.toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
  }
}
