"""Where generated tables land: one sink per department and target, all driven by the table specs."""
