# Pricing, eligibility and scoring formulas, as customers and LLMs write them.
RealisticScripts.add "formulas", {
  "tiered discount" => <<~'RUBY',
    def discount(total)
      case total
      when 0...100 then 0
      when 100...500 then 0.05
      when 500...1000 then 0.10
      else 0.15
      end
    end
    [50, 150, 750, 2000].map { |t| (t * (1 - discount(t))).round(2) }
  RUBY
  "tax and shipping" => <<~'RUBY',
    cart = [{ price: 19.99, qty: 2 }, { price: 5.49, qty: 3 }, { price: 120.0, qty: 1 }]
    subtotal = cart.sum { |i| i[:price] * i[:qty] }
    shipping = subtotal > 100 ? 0 : 7.95
    tax = (subtotal * 0.0825).round(2)
    { subtotal: subtotal.round(2), shipping: shipping, tax: tax, total: (subtotal + shipping + tax).round(2) }
  RUBY
  "bigdecimal money" => <<~'RUBY',
    require "bigdecimal"
    require "bigdecimal/util"
    price = BigDecimal("19.99")
    qty = 3
    rate = BigDecimal("0.0825")
    sub = price * qty
    tax = (sub * rate).round(2)
    [sub.to_s("F"), tax.to_s("F"), (sub + tax).to_s("F")]
  RUBY
  "loan amortization" => <<~'RUBY',
    principal = 250_000.0
    rate = 0.045 / 12
    n = 30 * 12
    payment = principal * rate / (1 - (1 + rate)**-n)
    balance = principal
    first = 3.times.map { interest = balance * rate; balance -= payment - interest; [interest.round(2), balance.round(2)] }
    [payment.round(2), first]
  RUBY
  "eligibility rules" => <<~'RUBY',
    applicant = { age: 34, income: 52_000, credit: 690, state: "CA", defaults: 0 }
    rules = {
      "age 21-65" => ->(a) { (21..65).cover?(a[:age]) },
      "income >= 40k" => ->(a) { a[:income] >= 40_000 },
      "credit >= 700" => ->(a) { a[:credit] >= 700 },
      "no defaults" => ->(a) { a[:defaults].zero? }
    }
    failed = rules.reject { |_, r| r.call(applicant) }.keys
    { eligible: failed.empty?, failed: failed }
  RUBY
  "bmi classification" => <<~'RUBY',
    people = [["Ann", 62, 1.70], ["Bo", 95, 1.80], ["Cy", 50, 1.75]]
    people.map do |name, kg, m|
      bmi = (kg / m**2).round(1)
      label = if bmi < 18.5 then "under" elsif bmi < 25 then "normal" elsif bmi < 30 then "over" else "obese" end
      "#{name}: #{bmi} (#{label})"
    end
  RUBY
  "compound interest" => <<~'RUBY',
    (1..5).map { |y| [y, (1000 * (1 + 0.05 / 12)**(12 * y)).round(2)] }.to_h
  RUBY
  "grade curve" => <<~'RUBY',
    scores = { "ann" => 78, "bo" => 92, "cy" => 65, "di" => 88 }
    top = scores.values.max
    curved = scores.transform_values { |s| [s + (100 - top), 100].min }
    curved.map { |n, s| [n, s, s >= 90 ? "A" : s >= 80 ? "B" : s >= 70 ? "C" : "D"] }
  RUBY
  "commission tiers" => <<~'RUBY',
    tiers = [[10_000, 0.05], [25_000, 0.07], [Float::INFINITY, 0.10]]
    def commission(sales, tiers)
      prev = 0
      tiers.sum do |cap, rate|
        portion = [[sales, cap].min - prev, 0].max
        prev = cap
        portion * rate
      end
    end
    [5_000, 20_000, 40_000].map { |s| commission(s, tiers).round(2) }
  RUBY
  "shipping zones" => <<~'RUBY',
    ZONES = { "US" => 5.0, "CA" => 9.5, "EU" => 12.0 }.freeze
    def shipping(country, weight_kg)
      base = ZONES.fetch(country) { 20.0 }
      extra = weight_kg > 2 ? ((weight_kg - 2) * 1.75).ceil(2) : 0
      (base + extra).round(2)
    end
    [["US", 1], ["CA", 3.5], ["JP", 10]].map { |c, w| shipping(c, w) }
  RUBY
  "percent change" => <<~'RUBY',
    sales = [1200, 1350, 1100, 1600]
    sales.each_cons(2).map { |a, b| ((b - a) * 100.0 / a).round(1) }
  RUBY
  "weighted average" => <<~'RUBY',
    grades = [[90, 0.3], [80, 0.5], [70, 0.2]]
    (grades.sum { |g, w| g * w } / grades.sum { |_, w| w }).round(2)
  RUBY
  "currency conversion" => <<~'RUBY',
    rates = { "USD" => 1.0, "EUR" => 0.92, "GBP" => 0.79, "JPY" => 149.5 }
    amount = 250
    rates.transform_values { |r| (amount * r).round(r > 10 ? 0 : 2) }
  RUBY
  "date eligibility" => <<~'RUBY',
    require "date"
    birth = Date.new(1990, 6, 15)
    on = Date.new(2024, 6, 14)
    age = on.year - birth.year - ((on.month > birth.month || (on.month == birth.month && on.day >= birth.day)) ? 0 : 1)
    [age, age >= 34, (Date.new(2024, 12, 25) - on).to_i]
  RUBY
  "rounding modes" => <<~'RUBY',
    [2.5.round, 3.5.round, (-2.5).round, 2.675.round(2), 1234.5678.round(-2), 1234.5678.floor(2), 1234.5678.ceil(1), 10.0 / 3]
  RUBY
  "integer math" => <<~'RUBY',
    [17 / 5, 17 % 5, -17 / 5, -17 % 5, 17.divmod(5), 2**10, 10.gcd(4), 10.lcm(4), 255.to_s(2), "ff".to_i(16)]
  RUBY
  "prorated subscription" => <<~'RUBY',
    require "date"
    start = Date.new(2024, 2, 10)
    days_in_month = Date.new(2024, 2, -1).day
    remaining = days_in_month - start.day + 1
    monthly = 29.0
    [days_in_month, remaining, (monthly * remaining / days_in_month).round(2)]
  RUBY
  "risk score" => <<~'RUBY',
    factors = { late_payments: 2, utilization: 0.45, accounts: 7, inquiries: 1 }
    score = 850
    score -= factors[:late_payments] * 40
    score -= (factors[:utilization] * 200).round
    score -= factors[:inquiries] * 10
    score += [factors[:accounts], 10].min * 3
    [score, score.clamp(300, 850), score >= 700 ? :good : :fair]
  RUBY
  "split bill" => <<~'RUBY',
    total_cents = 10_000
    people = 3
    base, extra = total_cents.divmod(people)
    shares = Array.new(people) { |i| base + (i < extra ? 1 : 0) }
    shares.map { |c| format("$%.2f", c / 100.0) }
  RUBY
  "inventory reorder" => <<~'RUBY',
    stock = { "widget" => 12, "gadget" => 3, "doohickey" => 0 }
    daily = { "widget" => 2.5, "gadget" => 1, "doohickey" => 0.5 }
    lead_days = 4
    stock.select { |k, qty| qty < daily[k] * lead_days }.map { |k, qty| [k, (daily[k] * lead_days * 2 - qty).ceil] }.to_h
  RUBY
  "statistics" => <<~'RUBY',
    xs = [2, 4, 4, 4, 5, 5, 7, 9]
    mean = xs.sum.to_f / xs.size
    var = xs.sum { |x| (x - mean)**2 } / xs.size
    sorted = xs.sort
    median = xs.size.even? ? (sorted[xs.size / 2 - 1] + sorted[xs.size / 2]) / 2.0 : sorted[xs.size / 2]
    { mean: mean, sd: Math.sqrt(var), median: median, mode: xs.tally.max_by(&:last).first }
  RUBY
  "overtime pay" => <<~'RUBY',
    hours = [9, 8, 10, 12, 7]
    rate = 25.0
    regular = hours.sum { |h| [h, 8].min }
    overtime = hours.sum { |h| [h - 8, 0].max }
    (regular * rate + overtime * rate * 1.5).round(2)
  RUBY
  "coupon rules" => <<~'RUBY',
    coupons = { "SAVE10" => ->(t) { t * 0.10 }, "FLAT5" => ->(_) { 5 }, "BIG" => ->(t) { t > 200 ? 50 : 0 } }
    total = 180.0
    best = coupons.map { |code, f| [code, f.call(total).round(2)] }.max_by(&:last)
    { best: best, pay: (total - best.last).round(2) }
  RUBY
  "fizzbuzz variant" => <<~'RUBY',
    (1..15).map { |i| i % 15 == 0 ? "FizzBuzz" : i % 3 == 0 ? "Fizz" : i % 5 == 0 ? "Buzz" : i }.join(" ")
  RUBY
  "fibonacci memo" => <<~'RUBY',
    fib = Hash.new { |h, n| h[n] = n < 2 ? n : h[n - 1] + h[n - 2] }
    [fib[10], fib[50], fib[90]]
  RUBY
  "primes" => <<~'RUBY',
    primes = (2..100).select { |n| (2..Math.sqrt(n)).none? { |d| (n % d).zero? } }
    [primes.size, primes.last(5), primes.sum]
  RUBY
  "temperature conversion" => <<~'RUBY',
    [-40, 0, 37, 100].map { |c| [c, (c * 9.0 / 5 + 32).round(1)] }.to_h
  RUBY
  "age buckets" => <<~'RUBY',
    ages = [3, 17, 18, 25, 34, 45, 64, 65, 80]
    ages.group_by { |a| case a when 0..17 then :minor when 18..64 then :adult else :senior end }.transform_values(&:size)
  RUBY
  "mortgage affordability" => <<~'RUBY',
    income = 8_500.0
    debts = 600.0
    max_dti = 0.36
    max_payment = income * max_dti - debts
    rate = 0.065 / 12
    n = 360
    max_loan = max_payment * (1 - (1 + rate)**-n) / rate
    [max_payment.round(2), max_loan.round(-3).to_i]
  RUBY
  "rational recipe" => <<~'RUBY',
    recipe = { flour: Rational(3, 4), sugar: Rational(1, 3), butter: Rational(1, 2) }
    recipe.transform_values { |q| (q * 3).to_s }
  RUBY
  "late fee" => <<~'RUBY',
    require "date"
    due = Date.new(2024, 5, 1)
    paid = Date.new(2024, 5, 18)
    days_late = (paid - due).to_i
    fee = days_late <= 5 ? 0 : [10 + (days_late - 5) * 1.5, 40].min
    [days_late, fee]
  RUBY
  "loyalty points" => <<~'RUBY',
    purchases = [42.5, 120.0, 7.99, 300.0]
    points = purchases.sum { |p| (p * (p >= 100 ? 2 : 1)).floor }
    tier = points >= 1000 ? "gold" : points >= 500 ? "silver" : "bronze"
    { points: points, tier: tier }
  RUBY
  "vat invoice" => <<~'RUBY',
    lines = [["Consulting", 10, 95.0, 0.19], ["Travel", 1, 230.0, 0.07], ["Books", 3, 20.0, 0.07]]
    rows = lines.map { |d, q, p, v| net = q * p; [d, net.round(2), (net * v).round(2)] }
    by_rate = lines.group_by(&:last).transform_values { |ls| ls.sum { |_, q, p, v| q * p * v }.round(2) }
    { rows: rows, vat_by_rate: by_rate, gross: (rows.sum { |r| r[1] + r[2] }).round(2) }
  RUBY
  "sla breach" => <<~'RUBY',
    tickets = [{ id: 1, opened: 0, closed: 3600 * 5 }, { id: 2, opened: 100, closed: 3600 * 30 }, { id: 3, opened: 0, closed: nil }]
    now = 3600 * 50
    tickets.map { |t| hours = ((t[:closed] || now) - t[:opened]) / 3600.0; [t[:id], hours.round(1), hours > 24] }
  RUBY
  "electricity bill" => <<~'RUBY',
    kwh = 742
    blocks = [[100, 0.10], [300, 0.14], [Float::INFINITY, 0.19]]
    used = 0
    cost = blocks.sum { |limit, price| take = [kwh - used, limit - used].min; used += take; take * price }
    (cost + 8.50).round(2)
  RUBY
  "numeric parsing" => <<~'RUBY',
    ["42", "3.14", "1e3", "0x1A", "12abc", "  7  "].map { |s| [s.to_i, s.to_f] }
  RUBY
  "percentile" => <<~'RUBY',
    data = [12, 45, 7, 23, 56, 89, 34, 21, 67, 43]
    def percentile(xs, p) = xs.sort[((p / 100.0) * (xs.size - 1)).round]
    [50, 90, 95].map { |p| percentile(data, p) }
  RUBY
  "format money" => <<~'RUBY',
    [1234.5, 0.5, 1_000_000, -42.125].map { |n| (n < 0 ? "-" : "") + "$" + format("%.2f", n.abs).gsub(/(\d)(?=(\d{3})+\.)/, '\1,') }
  RUBY
  "quiz scoring" => <<~'RUBY',
    key = %w[a c b d a]
    answers = { "ann" => %w[a c b d b], "bo" => %w[a a a a a], "cy" => %w[a c b d a] }
    answers.transform_values { |a| a.zip(key).count { |x, y| x == y } * 20 }.sort_by { |_, s| -s }.to_h
  RUBY
}
