/** The command-line tool: {@link io.github.pager.cli.Main} and its commands. */
@NullMarked
package io.github.pager.cli;

import org.jspecify.annotations.NullMarked;
