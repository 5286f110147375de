mod array;
mod bag;
mod client;
mod command;
mod delayed;
mod engine;
mod keys;
