/** The web side: the per-request deadline, Sluice's errors as HTTP statuses, and the lanes' snapshot endpoint. */
package io.sluice.examples.web;
