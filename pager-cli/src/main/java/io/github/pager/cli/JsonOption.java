package io.github.pager.cli;

import java.util.List;
import picocli.CommandLine.Option;

/**
 * The {@code --json} option, declared once for every command that has it (a picocli mixin), so
 * that its name and its promise read the same in every command's help.
 */
final class JsonOption {
  private static final String NAME = "--json";

  @Option(names = NAME, description = "print one JSON object instead of text (README: JSON output); errors too")
  boolean json;

  /** Whether the command is to print JSON. */
  boolean on() {
    return json;
  }

  /**
   * Whether {@code --json} is among the options of a command line, before a lone {@code --} (after
   * it, {@code --json} would be a file's name). Read from the raw arguments because a command line
   * that fails to parse has no parsed options to ask, and its error must still come as JSON.
   */
  static boolean requested(List<String> args) {
    int end = args.indexOf("--");
    return (end < 0 ? args : args.subList(0, end)).contains(NAME);
  }
}
