# tests/data/lmm/make_refs.R - reference values for tests/unit/test_lmm.c.
#
# Simulates small, unbalanced benchmark datasets shaped like ptbench runs
# (sessions = run_id, prompts, one or more models), writes each as a
# trials.csv (run_id, environment, model, prompt_id, eval_rate), fits
#   lmer(log(eval_rate) ~ environment + prompt_id + (1 | run_id))      per model
#   lmer(log(eval_rate) ~ environment + cell + (1 | run_id))           across models,
#       cell = model:prompt_id
# by REML with lmerTest, and writes the environment coefficient's estimate,
# SE, Satterthwaite df, t, p and 95 % CI, sigma_b, sigma_w, the REML
# criterion, the singular flag and the dropped (aliased) columns to refs.json.
# Where the mixed model does not apply (one session per environment, one row
# per session, no residual) the reference is lm() on the same formula without
# the random term. It also writes R's noncentral t CDF pt(q, df, ncp), the
# two-sample t power of power.t.test(strict = TRUE) and p.adjust(, "holm").
#
# Made with R 4.2.2 Patched (2022-11-10 r83330), lme4 1.1-31, lmerTest 3.1-3,
# Matrix 1.5-3, numDeriv 2016.8-1.1 (Debian 12: apt-get install r-base-core
# r-cran-lmertest). Never needed at test time. Run from the repository root:
#   Rscript tests/data/lmm/make_refs.R
#
# lme4's default optimizer stops at ftol_abs = 1e-8 on the deviance, which
# leaves theta uncertain in its 5th digit; the references are about the REML
# optimum itself, so the fits use nloptwrap with tight tolerances and every
# theta is checked against optimize() on lme4's own profiled deviance (to 1e-6
# relative: where sigma_b >> sigma_w the deviance is flat to 1e-15 over
# 1e-7 of theta, so neither optimizer can place theta closer than that).
suppressPackageStartupMessages(library(lmerTest))

out <- "tests/data/lmm"
ctrl <- lmerControl(optimizer = "nloptwrap",
                    optCtrl = list(xtol_abs = 1e-13, ftol_abs = 1e-15,
                                   xtol_rel = 0, ftol_rel = 0, maxeval = 1e5),
                    check.rankX = "message+drop.cols")

# One dataset. sessions: data.frame(run_id, environment, trials); prompts:
# prompt ids; models: model ids; sb, sw: sd of the session effect and of the
# trial noise (log scale); effect: log ratio vm / bare-metal; spread: prompt
# effects spaced evenly over [-spread, spread]; drop: "run_id/model/prompt"
# cells left out. Trials cycle through the prompts.
sim <- function(sessions, prompts, models = "m1", sb, sw, effect, spread = 0.05,
                drop = character(0)) {
  base <- c(m1 = log(50.1), m2 = log(35.06), m3 = log(27.52))
  peff <- setNames(if (length(prompts) > 1) seq(-spread, spread, length.out = length(prompts)) else 0,
                   prompts)
  rows <- list()
  for (i in seq_len(nrow(sessions))) {
    u <- rnorm(1, 0, sb)
    for (m in models) {
      n <- sessions$trials[i]
      p <- rep(prompts, length.out = n)
      keep <- !(paste(sessions$run_id[i], m, p, sep = "/") %in% drop)
      p <- p[keep]
      y <- base[[m]] + peff[p] + (sessions$environment[i] == "vm") * effect + u +
        rnorm(length(p), 0, sw)
      rows[[length(rows) + 1]] <- data.frame(run_id = sessions$run_id[i],
        environment = sessions$environment[i], model = m, prompt_id = p,
        eval_rate = exp(y))
    }
  }
  d <- do.call(rbind, rows)
  # the rates as written, so R fits exactly the doubles the C test reads
  d$eval_rate <- as.numeric(sprintf("%.17g", d$eval_rate))
  d
}

sess <- function(na, nb, trials) {
  data.frame(run_id = c(sprintf("a%d", seq_len(na)), sprintf("b%d", seq_len(nb))),
             environment = rep(c("bare-metal", "vm"), c(na, nb)), trials = trials)
}

write_csv <- function(d, file) {
  con <- file(file.path(out, file), "w")
  writeLines("run_id,environment,model,prompt_id,eval_rate", con)
  writeLines(sprintf("%s,%s,%s,%s,%.17g", d$run_id, d$environment, d$model,
                     d$prompt_id, d$eval_rate), con)
  close(con)
}

num <- function(x) if (length(x) == 0 || is.na(x)) "null" else sprintf("%.17g", x)
str <- function(x) sprintf("\"%s\"", x)
obj <- function(...) {
  kv <- list(...)
  paste0("{", paste(sprintf("\"%s\": %s", names(kv), unlist(kv)), collapse = ", "), "}")
}
arr <- function(x) paste0("[", paste(x, collapse = ", "), "]")

# Fit one dataset; kind "lmer" or "lm" (the reference when the session
# variance cannot be estimated). Returns the case's JSON object.
fit <- function(name, d, across = FALSE, kind = "lmer", status = "ok") {
  file <- paste0(name, ".csv")
  write_csv(d, file)
  d$y <- log(d$eval_rate)
  d$environment <- factor(d$environment, levels = c("bare-metal", "vm"))
  d$run_id <- factor(d$run_id)
  if (across) {
    d$cell <- factor(paste(d$model, d$prompt_id, sep = ":"))
    fixed <- y ~ environment + cell
  } else {
    d$prompt_id <- factor(d$prompt_id)
    fixed <- if (nlevels(d$prompt_id) > 1) y ~ environment + prompt_id else y ~ environment
  }
  if (kind == "lmer") {
    f <- update(fixed, . ~ . + (1 | run_id))
    m <- lmer(f, data = d, REML = TRUE, control = ctrl)
    # check the optimum: lme4's profiled REML deviance over theta by optimize()
    dev <- lme4::lmer(f, data = d, REML = TRUE, control = ctrl, devFunOnly = TRUE)
    o <- optimize(dev, c(0, 20), tol = 1e-12)
    th_best <- if (dev(0) <= o$objective) 0 else o$minimum
    th <- unname(getME(m, "theta"))
    if (!(abs(th - th_best) <= 1e-6 * max(1, th_best))) stop(sprintf("%s: theta %.12g, optimize %.12g (dev %.15g vs %.15g)", name, th, th_best, dev(th), dev(th_best)))
    L <- as.numeric(names(fixef(m)) == "environmentvm")
    ct <- contest1D(m, L, confint = TRUE, level = 0.95)
    vc <- as.data.frame(VarCorr(m))
    sb <- vc$sdcor[vc$grp == "run_id"]
    sw <- sigma(m)
    reml <- unname(getME(m, "devcomp")$cmp["REML"])
    singular <- isSingular(m)
    dropped <- attr(getME(m, "X"), "col.dropped")
    res <- list(estimate = ct$Estimate, se = ct$`Std. Error`, df = ct$df,
                t = ct$`t value`, p = ct$`Pr(>|t|)`, lo = ct$lower, hi = ct$upper)
  } else {
    m <- lm(fixed, data = d)
    s <- summary(m)$coefficients
    ci <- confint(m, "environmentvm", level = 0.95)
    sb <- NA
    sw <- summary(m)$sigma
    reml <- -2 * as.numeric(logLik(m, REML = TRUE))
    singular <- FALSE
    dropped <- names(which(is.na(coef(m))))
    res <- list(estimate = s["environmentvm", 1], se = s["environmentvm", 2],
                df = m$df.residual, t = s["environmentvm", 3], p = s["environmentvm", 4],
                lo = ci[1], hi = ci[2])
  }
  cat(sprintf("%-12s %-4s est %+.6f se %.6f df %8.4f p %.4g sb %s sw %.5f%s\n", name, kind,
              res$estimate, res$se, res$df, res$p, format(sb, digits = 4), sw,
              if (singular) " singular" else ""))
  obj(name = str(name), file = str(file), across = if (across) "true" else "false",
      reference = str(kind), status = str(status),
      n = num(nrow(d)), sessions = num(nlevels(d$run_id)),
      estimate = num(res$estimate), se = num(res$se), df = num(res$df), t = num(res$t),
      p = num(res$p), ci_low = num(res$lo), ci_high = num(res$hi),
      sigma_b = num(sb), sigma_w = num(sw), reml = num(reml),
      singular = if (singular) "true" else "false",
      dropped = arr(if (length(dropped)) str(names(dropped) %||% dropped) else character(0)))
}
`%||%` <- function(a, b) if (is.null(a)) b else a

cases <- character(0)
add <- function(x) cases <<- c(cases, x)

# 2 sessions per side, unequal trials, prompt p3 missing in session b2
set.seed(101)
add(fit("unbal2", sim(sess(2, 2, c(6, 11, 9, 7)), c("p1", "p2", "p3"), sb = 0.01, sw = 0.005,
                      effect = -0.015, drop = c("b2/m1/p3"))))
# 3 per side, four prompts, p2 missing in a3
set.seed(102)
add(fit("unbal3", sim(sess(3, 3, c(5, 8, 12, 7, 10, 6)), c("p1", "p2", "p3", "p4"), sb = 0.008,
                      sw = 0.006, effect = 0, drop = "a3/m1/p2")))
# 4 per side, five prompts 10 % apart, p5 missing in a1 and b4
set.seed(103)
add(fit("unbal4", sim(sess(4, 4, c(4, 15, 9, 12, 7, 5, 14, 10)), sprintf("p%d", 1:5),
                      sb = 0.01, sw = 0.005, effect = -0.01, spread = 0.05,
                      drop = c("a1/m1/p5", "b4/m1/p5"))))
# 2 sessions against 3
set.seed(104)
add(fit("mixed23", sim(sess(2, 3, c(10, 6, 8, 12, 5)), c("p1", "p2"), sb = 0.012, sw = 0.004,
                       effect = 0.02)))
# a large session effect
set.seed(105)
add(fit("large_sb", sim(sess(3, 2, c(8, 6, 9, 7, 10)), c("p1", "p2", "p3"), sb = 0.05,
                        sw = 0.003, effect = -0.03)))
# a prompt that only the compared environment ran
set.seed(106)
add(fit("vm_only_prompt", sim(sess(3, 3, c(8, 8, 8, 9, 9, 9)), c("p1", "p2", "p3"), sb = 0.01,
                              sw = 0.005, effect = -0.01,
                              drop = c("a1/m1/p3", "a2/m1/p3", "a3/m1/p3"))))
# each environment ran a different prompt: the prompt column is aliased with
# the environment and dropped (lme4: "fixed-effect model matrix is rank deficient")
set.seed(107)
d <- sim(sess(3, 3, c(6, 7, 8, 6, 7, 8)), c("p1", "p2"), sb = 0.01, sw = 0.005, effect = -0.01)
d <- d[(d$environment == "bare-metal") == (d$prompt_id == "p1"), ]
add(fit("rankdef", d))
# a singular fit: no session effect, REML puts sigma_b at 0 (first seed that does)
for (seed in 200:400) {
  set.seed(seed)
  d <- sim(sess(3, 3, c(8, 8, 8, 8, 8, 8)), c("p1", "p2"), sb = 0, sw = 0.01, effect = 0)
  m <- suppressMessages(lmer(log(eval_rate) ~ environment + prompt_id + (1 | run_id), d,
                             control = ctrl))
  if (getME(m, "theta") == 0) break
}
cat("singular case: seed", seed, "\n")
add(fit("singular", d))
# across models: two models, sessions shared, p3 missing for m2 in a2
set.seed(108)
add(fit("across2", sim(sess(3, 3, c(6, 8, 7, 9, 6, 8)), c("p1", "p2", "p3"), c("m1", "m2"),
                       sb = 0.01, sw = 0.005, effect = -0.012, drop = "a2/m2/p3"),
        across = TRUE))
# across models: three models, 2 against 3 sessions, unequal trials
set.seed(109)
add(fit("across3", sim(sess(2, 3, c(5, 9, 7, 6, 11)), c("p1", "p2"), c("m1", "m2", "m3"),
                       sb = 0.015, sw = 0.006, effect = -0.02, drop = c("b3/m3/p1")),
        across = TRUE))
# one session per environment: sigma_b cannot be estimated; the fit is the
# model without sessions (within-session noise only)
set.seed(110)
add(fit("one_session", sim(sess(1, 1, c(12, 12)), c("p1", "p2", "p3"), sb = 0.01, sw = 0.005,
                           effect = -0.01), kind = "lm", status = "no_between"))
# one trial per session: sessions are the rows, sigma_b and sigma_w are not
# separable (lme4 refuses); the reference is lm() on the rows
set.seed(111)
add(fit("one_trial", sim(sess(4, 4, rep(1, 8)), "p1", sb = 0.01, sw = 0.005, effect = -0.01),
        kind = "lm", status = "rows_are_sessions"))
# the published article: one row per model and environment; across models
# sessions are the environments (no run_id), so sigma_b cannot be estimated
art <- rbind(read.csv("data/article/bare-metal/trials.csv"), read.csv("data/article/vm/trials.csv"))
art$run_id <- art$environment
art$prompt_id <- "p1"
add(fit("article_across", art[, c("run_id", "environment", "model", "prompt_id", "eval_rate")],
        across = TRUE, kind = "lm", status = "no_between"))

# noncentral t CDF, lower tail
nct <- expand.grid(q = c(-2.5, 0, 1.3, 2.776, 6), df = c(2, 4.5, 14, 60),
                   ncp = c(-1, 0.5, 2.8, 7))
nct <- rbind(nct, data.frame(q = c(40, 10, 3, -1), df = c(10, 300, 1, 7), ncp = c(38.5, 9, 12, 30)))
nct$p <- pt(nct$q, nct$df, nct$ncp)
nct_json <- sprintf("{\"q\": %s, \"df\": %s, \"ncp\": %s, \"p\": %s}", sapply(nct$q, num),
                    sapply(nct$df, num), sapply(nct$ncp, num), sapply(nct$p, num))

# two-sample t power on session means: k per side, sd of a session mean,
# log-ratio effect, alpha; and the smallest k reaching 0.8
pw <- data.frame(k = c(2, 3, 4, 6, 10, 25), sd = c(0.01, 0.0075, 0.012, 0.01, 0.02, 0.015),
                 delta = c(0.02, 0.01, 0.01, 0.01, 0.01, 0.005),
                 alpha = c(0.05, 0.05, 0.01, 0.05, 0.05, 0.1))
pw$power <- mapply(function(k, s, d, a) power.t.test(n = k, delta = d, sd = s, sig.level = a,
                                                    strict = TRUE)$power,
                   pw$k, pw$sd, pw$delta, pw$alpha)
pw$k80 <- mapply(function(s, d, a) ceiling(power.t.test(power = 0.8, delta = d, sd = s,
                                                        sig.level = a, strict = TRUE)$n),
                 pw$sd, pw$delta, pw$alpha)
pw_json <- sprintf("{\"k\": %s, \"sd\": %s, \"delta\": %s, \"alpha\": %s, \"power\": %s, \"k80\": %s}",
                   sapply(pw$k, num), sapply(pw$sd, num), sapply(pw$delta, num),
                   sapply(pw$alpha, num), sapply(pw$power, num), sapply(pw$k80, num))

# Holm, with a tie and a missing value
hp <- c(0.01, 0.04, 0.03, 0.005, 0.04, NA, 0.5)
holm_json <- obj(p = arr(sapply(hp, num)), adjusted = arr(sapply(p.adjust(hp, "holm"), num)))

con <- file(file.path(out, "refs.json"), "w")
writeLines(c("{",
  sprintf("  \"made_with\": \"%s, lme4 %s, lmerTest %s\",", R.version.string,
          packageVersion("lme4"), packageVersion("lmerTest")),
  "  \"cases\": [", paste0("    ", cases, collapse = ",\n"), "  ],",
  "  \"nct\": [", paste0("    ", nct_json, collapse = ",\n"), "  ],",
  "  \"power\": [", paste0("    ", pw_json, collapse = ",\n"), "  ],",
  paste0("  \"holm\": ", holm_json), "}"), con)
close(con)
