"""The architecture a learner builds: the graph, the command grammar, the tier rules."""
