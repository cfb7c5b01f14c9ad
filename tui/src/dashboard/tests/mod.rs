//! Tests of the dashboard without a terminal: state (reducer) tests and screen tests on
//! ratatui's `TestBackend`, both fed by the scripted event sequence of [`script`].

mod browser;
mod fixes;
mod screens;
mod script;
mod state;
mod state_fixtures;
mod views;
