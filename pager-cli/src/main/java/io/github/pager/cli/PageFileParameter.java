package io.github.pager.cli;

import java.nio.file.Path;
import picocli.CommandLine.Parameters;

/**
 * The FILE parameter of the commands that read one page file, declared once (a picocli mixin):
 * the first parameter, with one label and one description in every command's help.
 */
final class PageFileParameter {
  @Parameters(index = "0", paramLabel = "FILE", description = "the page file")
  Path file = Path.of("");
}
