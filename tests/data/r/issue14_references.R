# Reference values for tests/selection.rs (issue 14), from R's fitdistrplus 1.1-8.
# Run from the repository root: Rscript tests/data/r/issue14_references.R > tests/data/r/issue14_references.out
# (needs r-cran-fitdistrplus). It also writes the data files the tests read
# (tests/data/groundbeef.csv, tests/data/toxocara.csv). The tests ship the printed values;
# they never call R.
#
# The MLEs are solved to full precision from their score equations (uniroot, tol 1e-15) and
# checked against fitdist's (Nelder-Mead, ~1e-5); the goodness-of-fit statistics are
# fitdistrplus's own (compute.gofstat.KSCvMAD and compute.gofstat.Chi2, what gofstat calls),
# evaluated at those MLEs, so the comparison tests the statistics and not R's optimizer.
suppressPackageStartupMessages(library(fitdistrplus))
options(digits = 17)
p <- function(name, x) cat(name, "=", paste(sprintf("%.17g", x), collapse = ", "), "\n")

data(groundbeef); data(toxocara)
write.csv(data.frame(serving = groundbeef$serving), "tests/data/groundbeef.csv", row.names = FALSE, quote = FALSE)
write.csv(data.frame(number = toxocara$number), "tests/data/toxocara.csv", row.names = FALSE, quote = FALSE)

x <- groundbeef$serving; n <- length(x); s <- sort(x)
cat("groundbeef n =", n, "\n")
# Closed forms.
mu <- mean(x); sigma <- sqrt(mean((x - mu)^2))
meanlog <- mean(log(x)); sdlog <- sqrt(mean((log(x) - meanlog)^2))
rate <- 1 / mean(x)
# Gamma: ln k - digamma(k) = ln mean - mean ln x; scale = mean / k.
g <- function(k) log(k) - digamma(k) - (log(mu) - meanlog)
shape_g <- uniroot(g, c(1e-3, 1e3), tol = 1e-15)$root; scale_g <- mu / shape_g
# Weibull: 1/k + mean ln x - sum x^k ln x / sum x^k = 0; scale = (mean x^k)^(1/k).
w <- function(k) 1 / k + meanlog - sum(x^k * log(x)) / sum(x^k)
shape_w <- uniroot(w, c(1e-2, 1e2), tol = 1e-15)$root; scale_w <- mean(x^shape_w)^(1 / shape_w)

fits <- list(
  normal = list(d = "norm", est = c(mean = mu, sd = sigma), ours = c(mu, sigma)),
  exponential = list(d = "exp", est = c(rate = rate), ours = c(rate)),
  gamma = list(d = "gamma", est = c(shape = shape_g, rate = 1 / scale_g), ours = c(shape_g, scale_g)),
  weibull = list(d = "weibull", est = c(shape = shape_w, scale = scale_w), ours = c(shape_w, scale_w)),
  lognormal = list(d = "lnorm", est = c(meanlog = meanlog, sdlog = sdlog), ours = c(meanlog, sdlog))
)
fd <- list()
for (name in names(fits)) {
  f <- fits[[name]]
  ll <- sum(do.call(paste0("d", f$d), c(list(x), as.list(f$est), log = TRUE)))
  k <- length(f$est)
  gof <- fitdistrplus:::compute.gofstat.KSCvMAD(s, n, f$d, paste0("p", f$d), f$est, NULL, "mle")
  p(paste(name, "params"), f$ours)
  p(paste(name, "loglik"), ll)
  p(paste(name, "aic bic"), c(-2 * ll + 2 * k, -2 * ll + log(n) * k))
  p(paste(name, "ks cvm ad"), c(gof$ks, gof$cvm, gof$ad))
  fd[[name]] <- fitdist(x, f$d)
  cat("  fitdist estimate:", sprintf("%.8g", fd[[name]]$estimate), " aic:", sprintf("%.10g", fd[[name]]$aic), "\n")
}
# What gofstat prints for fitdist's own (less precise) fits, for the record.
print(gofstat(fd, fitnames = names(fd)))

# toxocara: counts, Poisson; the chi-square on fitdistrplus's automatic cells.
y <- toxocara$number; m <- length(y)
lambda <- mean(y)
cat("toxocara n =", m, "\n")
p("poisson params", lambda)
llp <- sum(dpois(y, lambda, log = TRUE))
p("poisson loglik", llp)
p("poisson aic bic", c(-2 * llp + 2, -2 * llp + log(m)))
fp <- fitdist(y, "pois")
cat("  fitdist estimate:", sprintf("%.17g", fp$estimate), "(Nelder-Mead; the statistics below are at the mean)\n")
# gofstat's cells and chi-square, at the MLE itself.
sy <- sort(y); mc <- round(m / ((4 * m)^(2/5))); rest <- sy; breaks <- NULL
while (length(rest) > ceiling(1.5 * mc)) { limit <- rest[mc]; rest <- rest[rest > limit]; breaks <- c(breaks, limit) }
stopifnot(all(breaks == gofstat(fp)$chisqbreaks))
gp <- fitdistrplus:::compute.gofstat.Chi2(sy, m, "pois", "ppois", c(lambda = lambda), NULL, breaks)
p("poisson chisq df pvalue", c(gp$chisq, gp$chisqdf, gp$chisqpvalue))
p("poisson chisqbreaks", gp$chisqbreaks)
p("poisson observed", gp$chisqtable[, 1])
p("poisson expected", gp$chisqtable[, 2])

# The bootstrap's interval logic (src/bootstrap.rs): on a fixed set of replicates and
# jackknife values, the percentile interval as fitdistrplus's bootdist takes it (quantile type
# 7) and boot's BCa (boot:::bca.ci with the jackknife's influence values L).
suppressPackageStartupMessages(library(boot))
set.seed(14)
t <- round(rgamma(39, shape = 3, rate = 1), 4)
t0 <- 2.5
jack <- round(2.5 + rnorm(20, sd = 0.1) + rexp(20, 10), 4)
L <- (length(jack) - 1) * (mean(jack) - jack)
p("boot t", t); p("boot jack", jack)
p("boot percentile type7 0.95", quantile(t, c(0.025, 0.975), type = 7))
p("boot percentile type7 0.80", quantile(t, c(0.1, 0.9), type = 7))
p("boot a", sum(L^3) / (6 * sum(L^2)^1.5))
p("boot bca 0.95", boot:::bca.ci(NULL, conf = 0.95, t0 = t0, t = t, L = L)[4:5])
p("boot bca 0.80", boot:::bca.ci(NULL, conf = 0.80, t0 = t0, t = t, L = L)[4:5])
