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

# The new families (src/families): densities, CDFs and survival functions against R's own
# (base R, actuar, evd, statmod) at fixed points, and MLEs on samples simulated in R
# (tests/data/families14.csv), maximized here by optim from fitdist's estimate until the
# log-likelihood stops rising.
suppressPackageStartupMessages({ library(actuar); library(evd); library(statmod) })
set.seed(2026)
n <- 200
sims <- data.frame(
  logistic = rlogis(n, 3, 2),
  loglogistic = rllogis(n, shape = 3, scale = 5),
  pareto = rpareto(n, shape = 3, scale = 4),
  gumbel = rgumbel(n, 10, 3),
  cauchy = rcauchy(n, -1, 0.5),
  studentt = 2 + 1.5 * rt(n, df = 4),
  invgauss = rinvgauss(n, mean = 2, shape = 5),
  gammarate = rgamma(n, shape = 2.5, rate = 0.7),
  geometric = rgeom(n, 0.3),
  negbin = rnbinom(n, size = 2, mu = 6)
)
sims[] <- lapply(sims, function(v) sprintf("%.17g", v))
write.csv(sims, "tests/data/families14.csv", row.names = FALSE, quote = FALSE)
sims <- read.csv("tests/data/families14.csv")
# name, density (log), cdf, start, parameter names as ours
dst <- function(x, p, log = FALSE) dt((x - p[1]) / p[2], df = p[3], log = log) - if (log) log(p[2]) else 0
models <- list(
  logistic = list(d = function(x, p) dlogis(x, p[1], p[2], log = TRUE),
                  pl = function(x, p, lower) plogis(x, p[1], p[2], lower.tail = lower, log.p = TRUE),
                  start = c(3, 2), at = c(2.5, 1.5)),
  loglogistic = list(d = function(x, p) dllogis(x, shape = p[1], scale = p[2], log = TRUE),
                     pl = function(x, p, lower) pllogis(x, shape = p[1], scale = p[2], lower.tail = lower, log.p = TRUE),
                     start = c(3, 5), at = c(2.5, 4)),
  pareto = list(d = function(x, p) dpareto(x, shape = p[1], scale = p[2], log = TRUE),
                pl = function(x, p, lower) ppareto(x, shape = p[1], scale = p[2], lower.tail = lower, log.p = TRUE),
                start = c(3, 4), at = c(2.5, 3)),
  gumbel = list(d = function(x, p) dgumbel(x, p[1], p[2], log = TRUE),
                # evd's upper tail is 1 − F by subtraction; its log from expm1 keeps the digits.
                pl = function(x, p, lower) if (lower) log(pgumbel(x, p[1], p[2])) else log(-expm1(-exp(-(x - p[1]) / p[2]))),
                start = c(10, 3), at = c(9, 2.5)),
  cauchy = list(d = function(x, p) dcauchy(x, p[1], p[2], log = TRUE),
                pl = function(x, p, lower) pcauchy(x, p[1], p[2], lower.tail = lower, log.p = TRUE),
                start = c(-1, 0.5), at = c(-0.5, 0.8)),
  studentt = list(d = function(x, p) dt((x - p[1]) / p[2], df = p[3], log = TRUE) - log(p[2]),
                  pl = function(x, p, lower) pt((x - p[1]) / p[2], df = p[3], lower.tail = lower, log.p = TRUE),
                  start = c(2, 1.5, 4), at = c(1.5, 1.2, 6.5)),
  invgauss = list(d = function(x, p) dinvgauss(x, mean = p[1], shape = p[2], log = TRUE),
                  pl = function(x, p, lower) pinvgauss(x, mean = p[1], shape = p[2], lower.tail = lower, log.p = TRUE),
                  start = c(2, 5), at = c(1.5, 4)),
  gammarate = list(d = function(x, p) dgamma(x, shape = p[1], rate = p[2], log = TRUE),
                   pl = function(x, p, lower) pgamma(x, shape = p[1], rate = p[2], lower.tail = lower, log.p = TRUE),
                   start = c(2.5, 0.7), at = c(2, 0.5)),
  geometric = list(d = function(x, p) dgeom(x, p[1], log = TRUE),
                   pl = function(x, p, lower) pgeom(x, p[1], lower.tail = lower, log.p = TRUE),
                   start = c(0.3), at = c(0.25)),
  negbin = list(d = function(x, p) dnbinom(x, size = p[1], mu = p[2], log = TRUE),
                pl = function(x, p, lower) pnbinom(x, size = p[1], mu = p[2], lower.tail = lower, log.p = TRUE),
                start = c(2, 6), at = c(1.5, 5))
)
points <- list(logistic = c(-20, 0.3, 2.5, 40), loglogistic = c(0.01, 1, 4, 300),
               pareto = c(0, 0.5, 3, 1e4), gumbel = c(0, 8, 9.5, 60), cauchy = c(-1e3, -0.5, 0.1, 50),
               studentt = c(-30, 1, 1.7, 25), invgauss = c(0.05, 1.2, 3, 20), gammarate = c(0.01, 2, 5, 60),
               geometric = c(0, 1, 4, 60), negbin = c(0, 3, 5, 60))
for (name in names(models)) {
  m <- models[[name]]; x <- sims[[name]]
  nll <- function(p) if (any(p[-1] <= 0) || (name == "geometric" && (p[1] <= 0 || p[1] >= 1)) || (name != "logistic" && name != "gumbel" && name != "cauchy" && name != "studentt" && p[1] <= 0)) Inf else -sum(m$d(x, p))
  if (length(m$start) == 1) {
    fit <- optimize(nll, c(1e-6, 1 - 1e-6), tol = 1e-15); est <- fit$minimum
  } else {
    est <- m$start
    for (i in 1:6) est <- optim(est, nll, method = "Nelder-Mead", control = list(reltol = 1e-16, maxit = 20000))$par
    est <- optim(est, nll, method = "BFGS", control = list(reltol = 1e-16, maxit = 1000, parscale = abs(est)))$par
  }
  p(paste(name, "mle"), est); p(paste(name, "loglik"), -nll(est))
  xs <- points[[name]]
  p(paste(name, "points"), xs)
  p(paste(name, "lnpdf"), m$d(xs, m$at))
  p(paste(name, "lncdf"), m$pl(xs, m$at, TRUE))
  p(paste(name, "lnsf"), m$pl(xs, m$at, FALSE))
}

# toxocara among the count families: the negative binomial (size, mu) and the geometric.
nb <- function(p) if (any(p <= 0)) Inf else -sum(dnbinom(y, size = p[1], mu = p[2], log = TRUE))
est <- c(0.4, lambda)
for (i in 1:6) est <- optim(est, nb, control = list(reltol = 1e-16, maxit = 20000))$par
est <- optim(est, nb, method = "BFGS", control = list(reltol = 1e-16, parscale = est))$par
p("toxocara negbin mle", est); p("toxocara negbin aic", 2 * nb(est) + 4)
fnb <- fitdist(y, "nbinom")
cat("  fitdist nbinom estimate:", sprintf("%.8g", fnb$estimate), " aic:", sprintf("%.10g", fnb$aic), "\n")
pg <- 1 / (1 + mean(y))
p("toxocara geometric mle", pg); p("toxocara geometric aic", -2 * sum(dgeom(y, pg, log = TRUE)) + 2)

# The binomial with 20 trials at prob 0.3.
xb <- c(0, 3, 7, 20)
p("binomial lnpdf", dbinom(xb, 20, 0.3, log = TRUE))
p("binomial lncdf", pbinom(xb, 20, 0.3, log.p = TRUE))
p("binomial lnsf", pbinom(xb, 20, 0.3, lower.tail = FALSE, log.p = TRUE))

# The extreme-value families (evd): GEV (loc, scale, shape) and the generalized Pareto over a
# threshold of 0 (scale, shape); samples simulated here, written to tests/data/extremes14.csv.
set.seed(1914)
ext <- data.frame(gev = rgev(150, loc = 10, scale = 2, shape = 0.2),
                  gevneg = rgev(150, loc = 10, scale = 2, shape = -0.25),
                  gpd = rgpd(150, loc = 0, scale = 1, shape = 0.3))
ext[] <- lapply(ext, function(v) sprintf("%.17g", v))
write.csv(ext, "tests/data/extremes14.csv", row.names = FALSE, quote = FALSE)
ext <- read.csv("tests/data/extremes14.csv")
gev_nll <- function(x) function(p) if (p[2] <= 0) Inf else {
  d <- dgev(x, p[1], p[2], p[3], log = TRUE); if (any(!is.finite(d))) Inf else -sum(d) }
gpd_nll <- function(x) function(p) if (p[1] <= 0) Inf else {
  d <- dgpd(x, 0, p[1], p[2], log = TRUE); if (any(!is.finite(d))) Inf else -sum(d) }
refine <- function(f, est) {
  for (i in 1:6) est <- optim(est, f, control = list(reltol = 1e-16, maxit = 20000))$par
  est
}
for (col in c("gev", "gevneg")) {
  x <- ext[[col]]
  e0 <- fgev(x)$estimate
  est <- refine(gev_nll(x), e0)
  p(paste(col, "mle"), est); p(paste(col, "loglik"), -gev_nll(x)(est))
  cat("  fgev estimate:", sprintf("%.8g", e0), "\n")
}
x <- ext$gpd
e0 <- fpot(x, threshold = 0, npp = 1)$estimate
est <- refine(gpd_nll(x), e0)
p("gpd mle", est); p("gpd loglik", -gpd_nll(x)(est))
cat("  fpot estimate:", sprintf("%.8g", e0), "\n")
# Densities and tails at fixed points: GEV(10, 2, 0.2) and (10, 2, -0.25); GPD(1.5, 0.3).
yg <- function(x, m, s, xi) log1p(xi * (x - m) / s) / xi
xs <- c(4, 9, 12, 40); p("gev points", xs)
p("gev lnpdf", dgev(xs, 10, 2, 0.2, log = TRUE))
p("gev lncdf", -exp(-yg(xs, 10, 2, 0.2)))
p("gev lnsf", log(-expm1(-exp(-yg(xs, 10, 2, 0.2)))))
xs <- c(3, 9, 12, 17.5); p("gevneg points", xs)
p("gevneg lnpdf", dgev(xs, 10, 2, -0.25, log = TRUE))
p("gevneg lncdf", -exp(-yg(xs, 10, 2, -0.25)))
p("gevneg lnsf", log(-expm1(-exp(-yg(xs, 10, 2, -0.25)))))
xs <- c(0.01, 1, 5, 300); p("gpd points", xs)
p("gpd lnpdf", dgpd(xs, 0, 1.5, 0.3, log = TRUE))
p("gpd lncdf", log(pgpd(xs, 0, 1.5, 0.3)))
p("gpd lnsf", -log1p(0.3 * xs / 1.5) / 0.3)

# A three-component normal mixture: mclust's EM (model "V", unequal variances) run to a
# relative tolerance of 1e-14 on a sample simulated here (tests/data/mixture3.csv).
suppressPackageStartupMessages(library(mclust))
set.seed(314)
z <- sample(1:3, 600, replace = TRUE, prob = c(0.3, 0.45, 0.25))
xm <- rnorm(600, c(0, 4, 9)[z], c(1, 1.5, 0.8)[z])
writeLines(c("x", sprintf("%.17g", xm)), "tests/data/mixture3.csv")
xm <- read.csv("tests/data/mixture3.csv")$x
mc <- Mclust(xm, G = 3, modelNames = "V", control = emControl(tol = c(1e-14, 1e-14), itmax = c(1e5, 1e5)), verbose = FALSE)
o <- order(mc$parameters$mean)
p("mixture3 weights", mc$parameters$pro[o])
p("mixture3 means", mc$parameters$mean[o])
p("mixture3 sds", sqrt(mc$parameters$variance$sigmasq[o]))
p("mixture3 loglik", mc$loglik)

# Quantiles of a censored fit: the Weibull of survival::lung's right-censored times, its 10%
# and 50% quantiles with survreg's delta-method standard errors.
suppressPackageStartupMessages(library(survival))
ev <- as.integer(lung$status == 2)
wl <- survreg(Surv(time, ev) ~ 1, data = lung, dist = "weibull",
              control = survreg.control(rel.tolerance = 1e-13, iter.max = 200))
pr <- predict(wl, newdata = data.frame(x = 1), type = "quantile", p = c(0.1, 0.5), se.fit = TRUE)
p("lung weibull quantiles 0.1 0.5", unlist(pr$fit)); p("lung weibull quantile se", unlist(pr$se.fit))
