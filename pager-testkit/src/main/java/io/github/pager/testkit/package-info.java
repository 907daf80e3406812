/**
 * Power-loss simulation for the pager: a {@link io.github.pager.testkit.SimulatedStorage} that
 * keeps a page cache and a durable image apart, a {@link io.github.pager.testkit.FaultPlan} of
 * injected failures, and a {@link io.github.pager.testkit.CrashExplorer} that crashes a workload
 * before and after every storage call and judges each post-crash image.
 *
 * <p>Start with the module's README, which walks through a crash test for a structure of your
 * own; {@link io.github.pager.testkit.PagerCheck} is the standard check for the pager itself.
 */
@NullMarked
package io.github.pager.testkit;

import org.jspecify.annotations.NullMarked;
