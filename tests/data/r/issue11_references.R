# Reference values for tests/censoring.rs and tests/robust.rs (issue 11), from R.
# Run: Rscript tests/data/r/issue11_references.R   (needs r-cran-survival, r-cran-fitdistrplus,
# r-cran-sandwich, r-cran-numderiv). The tests ship the printed values; they never call R.
suppressPackageStartupMessages({
  library(survival); library(fitdistrplus); library(sandwich); library(numDeriv)
})
options(digits = 17)
p <- function(name, x) cat(name, "=", paste(sprintf("%.17g", x), collapse = ", "), "\n")

ctl <- survreg.control(rel.tolerance = 1e-13, iter.max = 200)
# 1. lung (survival): right-censored times, status 1 = censored, 2 = dead.
event <- as.integer(lung$status == 2)
cat("lung rows:", nrow(lung), " events:", sum(event), "\n")
w <- survreg(Surv(time, event) ~ 1, data = lung, dist = "weibull", control = ctl)
b0 <- coef(w)[[1]]; ls <- log(w$scale); V <- vcov(w)
shape <- 1 / w$scale; scale <- exp(b0)
# Delta method, exact at an MLE for the observed information: shape = exp(-log s), scale = exp(b0).
se_shape <- shape * sqrt(V[2, 2]); se_scale <- scale * sqrt(V[1, 1])
p("weibull shape scale", c(shape, scale)); p("weibull se", c(se_shape, se_scale))
p("weibull loglik", w$loglik[1])
e <- survreg(Surv(time, event) ~ 1, data = lung, dist = "exponential", control = ctl)
rate <- exp(-coef(e)[[1]]); p("exponential rate", rate); p("exponential se", rate * sqrt(vcov(e)[1, 1]))
p("exponential loglik", e$loglik[1])
# Weibull AFT with covariates age and sex: log T = b0 + b1 age + b2 sex + s W.
a <- survreg(Surv(time, event) ~ age + sex, data = lung, dist = "weibull", control = ctl)
p("aft coef", coef(a)); p("aft log scale", log(a$scale)); p("aft se", sqrt(diag(vcov(a))))
p("aft loglik", a$loglik[2])

# 2. salinity (fitdistrplus): interval-censored, log-normal.
data(salinity)
cat("salinity rows:", nrow(salinity), "\n")
f <- fitdistcens(salinity, "lnorm", control = list(reltol = 1e-15, maxit = 10000))
nll <- function(t) -f$cens$loglik(t) # not used: write the likelihood out below
ll <- function(t) {
  m <- t[1]; s <- t[2]; l <- salinity$left; r <- salinity$right
  ex <- !is.na(l) & !is.na(r) & l == r
  lc <- is.na(l); rc <- is.na(r); ic <- !ex & !lc & !rc
  sum(dlnorm(l[ex], m, s, log = TRUE)) + sum(plnorm(r[lc], m, s, log.p = TRUE)) +
    sum(plnorm(l[rc], m, s, lower.tail = FALSE, log.p = TRUE)) +
    sum(log(plnorm(r[ic], m, s) - plnorm(l[ic], m, s)))
}
o <- optim(f$estimate, function(t) -ll(t), method = "BFGS", control = list(reltol = 1e-16, maxit = 1000))
o <- optim(o$par, function(t) -ll(t), method = "Nelder-Mead", control = list(reltol = 1e-16, maxit = 5000))
H <- hessian(function(t) -ll(t), o$par)
p("salinity meanlog sdlog", o$par); p("salinity fitdistcens", f$estimate)
p("salinity se", sqrt(diag(solve(H)))); p("salinity loglik", ll(o$par))
p("salinity fitdistcens loglik", f$loglik)

# 3. warpbreaks: Poisson regression (overdispersed), robust, OPG and cluster SEs.
g <- glm(breaks ~ wool + tension, data = warpbreaks, family = poisson)
g <- update(g, control = glm.control(epsilon = 1e-14, maxit = 100))
loom <- rep(1:9, times = 6)
p("warpbreaks coef", coef(g))
p("warpbreaks se observed", sqrt(diag(vcov(g))))
p("warpbreaks se hc0", sqrt(diag(sandwich(g))))
p("warpbreaks se opg", sqrt(diag(vcovOPG(g))))
p("warpbreaks se cluster", sqrt(diag(vcovCL(g, cluster = loom, type = "HC0", cadjust = TRUE))))

# 4. Sampling weights: the same Poisson regression weighted (pseudo-likelihood), HC0 sandwich.
sw <- 0.5 + (seq_len(nrow(warpbreaks)) %% 7) / 4
gw <- suppressWarnings(glm(breaks ~ wool + tension, data = warpbreaks, family = poisson, weights = sw,
          control = glm.control(epsilon = 1e-14, maxit = 100)))
p("weighted coef", coef(gw)); p("weighted se hc0", sqrt(diag(sandwich(gw))))

# 5. A Normal truncated to (3, 9]: 150 draws by inversion with a fixed seed, fitted by a
# high-precision optimisation of the likelihood written out here.
set.seed(11)
u <- runif(150); lo <- pnorm(3, 5, 2); hi <- pnorm(9, 5, 2)
tn <- round(qnorm(lo + u * (hi - lo), 5, 2), 4)
write.csv(data.frame(x = tn), "../truncnorm.csv", row.names = FALSE, quote = FALSE)
tll <- function(t) sum(dnorm(tn, t[1], t[2], log = TRUE)) -
  length(tn) * log(pnorm(9, t[1], t[2]) - pnorm(3, t[1], t[2]))
o <- optim(c(mean(tn), sd(tn)), function(t) -tll(t), method = "BFGS", control = list(reltol = 1e-16, maxit = 1000))
o <- optim(o$par, function(t) -tll(t), method = "Nelder-Mead", control = list(reltol = 1e-16, maxit = 5000))
o <- optim(o$par, function(t) -tll(t), method = "BFGS", control = list(reltol = 1e-16, maxit = 1000))
p("truncnorm mu sigma", o$par); p("truncnorm gradient", grad(function(t) -tll(t), o$par))
p("truncnorm se", sqrt(diag(solve(hessian(function(t) -tll(t), o$par))))); p("truncnorm loglik", tll(o$par))
