package io.github.pager.core;

import java.io.File;
import java.util.ArrayList;
import java.util.List;

/** Child JVMs for tests that need a real second process: this JVM's java and class path. */
final class TestJvms {
  private TestJvms() {}

  /**
   * A process running {@code main} in a new JVM, with the test's classes and libraries on its
   * class path (the module path's jars too: the child runs them as plain jars).
   *
   * @param jvmOptions options before the class path, such as {@code -Xmx64m}
   * @param main the class whose {@code main} runs
   * @param args its arguments
   */
  static ProcessBuilder java(List<String> jvmOptions, Class<?> main, String... args) {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(classPath());
    command.add(main.getName());
    command.addAll(List.of(args));
    return new ProcessBuilder(command);
  }

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
