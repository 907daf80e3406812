package io.github.pager.testkit.process;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * A child JVM that runs a test's main class with the parent's class path, and whose output the
 * parent reads line by line as the child writes it.
 *
 * <p>Tests that need a real second process (a writer to kill with SIGKILL, a writer beside
 * read-only openers) start one with {@link #start}, may talk to it with {@link #send}, read the
 * protocol lines it prints with {@link #newLines} or {@link #awaitLine}, and end it with {@link
 * #kill} (a real SIGKILL, through {@link Process#destroyForcibly()}) or by closing it.
 *
 * <p>On the child's side, {@link #awaitParentLine} waits for what the parent sends, and {@link
 * #exitWhenInputEnds} ends a child that loops until killed once its parent is gone.
 *
 * <p>The child writes to a file, not a pipe: reading a pipe while the JDK drains it at the
 * child's exit can lose the last lines, and after a kill those are the ones that matter. A
 * protocol line ends with {@link #END_MARK}; a line the kill cut short lacks it and is dropped.
 *
 * <p>JVM start dominates a kill loop, so the child runs with the options that start fastest:
 * the C1 compiler only, the serial collector, no performance-data file.
 */
public final class ChildJvm implements AutoCloseable {
  /** The end of every protocol line; a line without it was cut short by a kill. */
  public static final String END_MARK = " $";

  private static final List<String> FAST_START_OPTIONS =
      List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData", "-Xshare:auto");

  /** How long {@link #kill} and {@link #close} wait for the process to be gone before failing. */
  private static final long EXIT_WAIT_SECONDS = 30;

  private final Process process;
  private final Path output;
  private final String description;

  /** Bytes of the output consumed so far: everything up to the last complete line returned. */
  private long consumed;

  private ChildJvm(Process process, Path output, String description) {
    this.process = process;
    this.output = output;
    this.description = description;
  }

  /**
   * Starts {@code mainClass} in a new JVM with the class path of this one (and the main class's
   * own location), its standard output going to {@code output} and its standard error to ours.
   *
   * @param mainClass a class with a {@code public static void main(String[])}
   * @param output the file the child's standard output is written to; created or truncated
   * @param args the child's arguments
   * @return the running child
   * @throws IOException when the process cannot be started
   */
  public static ChildJvm start(Class<?> mainClass, Path output, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(javaCommand());
    command.addAll(FAST_START_OPTIONS);
    command.add("-cp");
    command.add(classPath(mainClass));
    command.add(mainClass.getName());
    command.addAll(List.of(args));
    Process process =
        new ProcessBuilder(command)
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .redirectOutput(output.toFile())
            .start();
    return new ChildJvm(process, output, mainClass.getSimpleName() + " " + String.join(" ", args));
  }

  /**
   * Returns the protocol lines the child completed since the last call, in order; each ends
   * with {@link #END_MARK}. Lines without the mark (cut short by a kill) are dropped.
   *
   * @return the new lines, possibly none
   * @throws IOException when the output file cannot be read
   */
  public List<String> newLines() throws IOException {
    List<String> lines = new ArrayList<>();
    try (FileChannel channel = FileChannel.open(output, StandardOpenOption.READ)) {
      long size = channel.size();
      if (size <= consumed) {
        return lines;
      }
      ByteBuffer bytes = ByteBuffer.allocate(Math.toIntExact(size - consumed));
      while (bytes.hasRemaining() && channel.read(bytes, consumed + bytes.position()) >= 0) {
        // read until full: the file only grows
      }
      int lastNewline = bytes.position() - 1;
      while (lastNewline >= 0 && bytes.get(lastNewline) != '\n') {
        lastNewline--;
      }
      if (lastNewline < 0) {
        return lines;
      }
      // Only whole lines are consumed; an unfinished tail is read again next time.
      consumed += lastNewline + 1;
      String text = new String(bytes.array(), 0, lastNewline, StandardCharsets.UTF_8);
      for (String line : text.split("\n", -1)) {
        if (line.endsWith(END_MARK)) {
          lines.add(line);
        }
      }
    }
    return lines;
  }

  /**
   * Waits until the child prints a line that {@code wanted} accepts, and returns every new line
   * up to and including it.
   *
   * @param wanted the line to wait for
   * @return the new lines, the last of which is the wanted one
   * @throws IOException when the output file cannot be read
   * @throws InterruptedException when interrupted while waiting
   * @throws AssertionError when the child exits before printing such a line
   */
  public List<String> awaitLine(Predicate<String> wanted) throws IOException, InterruptedException {
    List<String> seen = new ArrayList<>();
    while (true) {
      boolean exited = !process.isAlive();
      List<String> lines = newLines();
      for (int i = 0; i < lines.size(); i++) {
        seen.add(lines.get(i));
        if (wanted.test(lines.get(i))) {
          // Lines after the wanted one were consumed too; hand them back with it.
          seen.addAll(lines.subList(i + 1, lines.size()));
          return seen;
        }
      }
      if (exited) {
        throw new AssertionError(
            "child " + description + " exited with " + process.exitValue() + " before printing the awaited line;"
                + " its lines: " + seen);
      }
      Thread.sleep(2);
    }
  }

  /**
   * Sends a line to the child's standard input.
   *
   * @param line the line, without its line separator
   * @throws IOException when the child's input is closed (typically: it exited)
   */
  public void send(String line) throws IOException {
    OutputStream input = process.getOutputStream();
    input.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    input.flush();
  }

  /**
   * Tells whether the child is still running.
   *
   * @return true while running
   */
  public boolean isAlive() {
    return process.isAlive();
  }

  /**
   * Kills the child with SIGKILL and waits until it is gone.
   *
   * @throws InterruptedException when interrupted while waiting
   * @throws AssertionError when the process is still there after the wait
   */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(EXIT_WAIT_SECONDS, TimeUnit.SECONDS)) {
      throw new AssertionError("child " + description + " did not die within " + EXIT_WAIT_SECONDS + " s of SIGKILL");
    }
  }

  /**
   * Waits for the child to exit by itself, and returns its exit value.
   *
   * @return the exit value
   * @throws InterruptedException when interrupted while waiting
   */
  public int waitForExit() throws InterruptedException {
    return process.waitFor();
  }

  /** Kills the child if it still runs. */
  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }

  @Override
  public String toString() {
    return "ChildJvm[" + description + ", pid " + process.pid() + "]";
  }

  /**
   * For a child's main: waits for the parent's first line on standard input (see {@link #send}).
   *
   * @return true when the line came; false when the input ended first (the parent is gone)
   * @throws IOException when the input cannot be read
   */
  public static boolean awaitParentLine() throws IOException {
    while (true) {
      int next = System.in.read();
      if (next < 0) {
        return false;
      }
      if (next == '\n') {
        return true;
      }
    }
  }

  /**
   * For a child's main: ends this JVM at once when its standard input ends, which happens when
   * the parent closes it or dies. A child that loops until killed calls this first, so that no
   * child outlives a test JVM that was itself killed.
   */
  public static void exitWhenInputEnds() {
    Thread watcher = new Thread(() -> {
      try {
        while (System.in.read() >= 0) {
          // the parent sends nothing more; only the end matters
        }
      } catch (IOException e) {
        // an unreadable input is as good as an ended one
      }
      Runtime.getRuntime().halt(1);
    }, "exit-when-parent-exits");
    watcher.setDaemon(true);
    watcher.start();
  }

  private static String javaCommand() {
    return ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  /**
   * Surefire puts the modules on the module path and the test classes beside them; the child
   * takes all of it as a plain class path, plus the main class's own location.
   */
  private static String classPath(Class<?> mainClass) {
    Set<String> entries = new LinkedHashSet<>();
    for (String property : new String[] {"jdk.module.path", "java.class.path"}) {
      @Nullable String value = System.getProperty(property);
      if (value != null) {
        for (String entry : value.split(File.pathSeparator)) {
          if (!entry.isBlank()) {
            entries.add(entry);
          }
        }
      }
    }
    entries.add(location(mainClass));
    return String.join(File.pathSeparator, entries);
  }

  private static String location(Class<?> type) {
    try {
      return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException("cannot locate the classes of " + type.getName(), e);
    }
  }
}
