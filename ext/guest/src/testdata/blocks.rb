def each_pair(h)
  h.each { |k, v| yield k, v }
end
def outer(a, k: 1)
  [1].each { |q| [2].each { |w| return super rescue nil } }
  yield a
end
m = 0
each_pair({ a: 1 }) { |k, v| m += v }
l = lambda { |x| next x * 2 }
l.call(3)
->() { return 1 }.call
[[1, 2]].each { |(a, b)| m += a + b }
3.times.map { |i| i.to_s }.join(",")
