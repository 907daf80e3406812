package io.github.pager.cli;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts {@link HoldWriterMain} in a child JVM, a real second process that holds a file's writer
 * lock until its stdin closes: for tests of commands beside a writer elsewhere.
 */
final class HoldingWriter {
  private HoldingWriter() {}

  /** The child, started; it prints a line beginning {@code HOLDING} once it holds the lock. */
  static Process start(Path file) throws IOException {
    return new ProcessBuilder(
            ProcessHandle.current().info().command().orElse("java"), "-cp", classPath(),
            HoldWriterMain.class.getName(), file.toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
  }

  /** The test's class path, the module path's jars included: the child runs them as plain jars. */
  private static String classPath() {
    List<String> parts = new ArrayList<>();
    for (String property : new String[] {"jdk.module.path", "java.class.path"}) {
      String value = System.getProperty(property);
      if (value != null && !value.isEmpty()) {
        parts.add(value);
      }
    }
    return String.join(File.pathSeparator, parts);
  }
}
