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

  // Inspectors of the structures a file's root catalog names (pager-kv's, and any other module's
  // on the module path): verify, stats and pages check them and label their pages.
  uses io.github.pager.core.StructureInspector;

  // picocli fills the command classes' fields by reflection.
  opens io.github.pager.cli to
      info.picocli;
}
