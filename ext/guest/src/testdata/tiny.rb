x = 1
p x + 2
