/**
 * What an operator uses, behind the admin credential ({@link io.sluice.examples.admin.AdminAccessFilter}):
 * maintenance routes (drain, resume, resize, refresh a lane; run the aggregation), the live lanes page and its
 * event stream ({@link io.sluice.examples.admin.LaneBoard}).
 */
@NullMarked
package io.sluice.examples.admin;

import org.jspecify.annotations.NullMarked;
