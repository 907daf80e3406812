/** pager-cli: the command-line tool for page files, started by the repository's ./pager launcher. */
module io.github.pager.cli {
  requires io.github.pager.core;
  requires static org.jspecify;

  exports io.github.pager.cli;
}
