package io.github.pager.testkit.process;

import java.io.IOException;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The commits a writer child acknowledged, as {@link ReadersBesideWriter#acknowledge} lines give
 * them: generation and rendered state, looked up by any number of reader threads at once.
 *
 * <p>A reader that opened generation {@code g} asks for {@code g}'s state and waits while that
 * commit is still in flight (the writer prints its line after the commit returns). The newest
 * {@link #KEPT} generations are kept; a reader looks a generation up right after it reaches it.
 */
public final class AcknowledgedCommits {
  /** Generations kept for lookup. */
  public static final int KEPT = 20_000;

  private final ChildJvm writer;
  private final Consumer<String> otherLines;
  private final NavigableMap<Long, String> states = new TreeMap<>();

  /**
   * Reads the acknowledgements of a writer child.
   *
   * @param writer the writer, printing {@code ACK} lines
   * @param otherLines gets each complete line that is not an acknowledgement, in order
   */
  public AcknowledgedCommits(ChildJvm writer, Consumer<String> otherLines) {
    this.writer = writer;
    this.otherLines = otherLines;
  }

  /**
   * Returns the state the writer acknowledged for a generation, waiting for its line while the
   * commit is in flight.
   *
   * @param generation a generation a reader reached
   * @return the rendered state
   * @throws IOException when the writer's output cannot be read
   * @throws InterruptedException when interrupted while waiting
   * @throws AssertionError when the writer acknowledged a later generation but not this one, or
   *     exited before acknowledging it
   */
  public synchronized String await(long generation) throws IOException, InterruptedException {
    while (true) {
      String state = states.get(generation);
      if (state != null) {
        return state;
      }
      if (!states.isEmpty() && states.lastKey() > generation) {
        throw new AssertionError("a reader reached generation " + generation
            + ", which the writer did not acknowledge (it acknowledged " + states.firstKey() + " to "
            + states.lastKey() + ")");
      }
      boolean exited = !writer.isAlive();
      absorb(writer.newLines());
      if (exited && !states.containsKey(generation)) {
        throw new AssertionError("the writer " + writer + " exited before acknowledging generation " + generation);
      }
      if (!states.containsKey(generation)) {
        wait(1);
      }
    }
  }

  /**
   * Returns the newest generation acknowledged so far, reading the writer's new lines first.
   *
   * @return the generation, or 0 before the first acknowledgement
   * @throws IOException when the writer's output cannot be read
   */
  public synchronized long newest() throws IOException {
    absorb(writer.newLines());
    return states.isEmpty() ? 0 : states.lastKey();
  }

  private void absorb(List<String> lines) {
    for (String line : lines) {
      if (line.startsWith("ACK ")) {
        int space = line.indexOf(' ', 4);
        states.put(Long.parseLong(line.substring(4, space)),
            line.substring(space + 1, line.length() - ChildJvm.END_MARK.length()));
      } else {
        otherLines.accept(line);
      }
    }
    while (states.size() > KEPT) {
      states.pollFirstEntry();
    }
  }
}
