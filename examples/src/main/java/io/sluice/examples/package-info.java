/** Example services composing Sluice (a WebFlux meal planner arrives with a later issue). */
package io.sluice.examples;
