// An application that uses lb4j's core and nothing else, as its users' applications do.
module app.core {
  requires io.github.lb4j.impl;
}
