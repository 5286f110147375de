mod array;
mod client;
mod command;
mod delayed;
mod engine;
mod keys;
