/**
 * pager-cli: the command-line tool for page files ({@code demo}, {@code info}, {@code verify},
 * {@code dump}, {@code stats}, {@code pages}, {@code copy}, {@code recover}, {@code rollback}, {@code bench}), started by the
 * repository's ./pager launcher.
 */
module io.github.pager.cli {
  requires io.github.pager.protectedpages;
  requires info.picocli;
  requires static org.jspecify;

  exports io.github.pager.cli;

  // picocli fills the command classes' fields by reflection.
  opens io.github.pager.cli to
      info.picocli;
}
