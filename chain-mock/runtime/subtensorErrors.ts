/**
 * pallet_subtensor's `Error` variants in declaration order (variant index = position), read from
 * opentensor/subtensor 14bc6f9 `pallets/subtensor/src/macros/errors.rs`. Names only.
 */
export const SUBTENSOR_ERRORS: readonly string[] = (
  'RootNetworkDoesNotExist InvalidIpType InvalidIpAddress InvalidPort HotKeyNotRegisteredInSubNet ' +
  'HotKeyAccountNotExists HotKeyNotRegisteredInNetwork NonAssociatedColdKey NotEnoughStake ' +
  'NotEnoughStakeToWithdraw NotEnoughStakeToSetWeights NotEnoughStakeToSetChildkeys ' +
  'NotEnoughBalanceToStake BalanceWithdrawalError ZeroBalanceAfterWithdrawn NeuronNoValidatorPermit ' +
  'WeightVecNotEqualSize DuplicateUids UidVecContainInvalidOne WeightVecLengthIsLow ' +
  'TooManyRegistrationsThisBlock HotKeyAlreadyRegisteredInSubNet NewHotKeyIsSameWithOld ' +
  'NewHotKeyNotCleanForRootSwap InvalidWorkBlock InvalidDifficulty InvalidSeal MaxWeightExceeded ' +
  'HotKeyAlreadyDelegate SettingWeightsTooFast IncorrectWeightVersionKey ServingRateLimitExceeded ' +
  'UidsLengthExceedUidsInSubNet NetworkTxRateLimitExceeded DelegateTxRateLimitExceeded ' +
  'HotKeySetTxRateLimitExceeded StakingRateLimitExceeded SubNetRegistrationDisabled ' +
  'TooManyRegistrationsThisInterval TransactorAccountShouldBeHotKey FaucetDisabled NotSubnetOwner ' +
  'RegistrationNotPermittedOnRootSubnet StakeTooLowForRoot AllNetworksInImmunity ' +
  'NotEnoughBalanceToPaySwapHotKey NotRootSubnet CanNotSetRootNetworkWeights NoNeuronIdAvailable ' +
  'DelegateTakeTooLow DelegateTakeTooHigh NoWeightsCommitFound InvalidRevealCommitHashNotMatch ' +
  'CommitRevealEnabled CommitRevealDisabled LiquidAlphaDisabled AlphaHighTooLow AlphaLowOutOfRange ' +
  'ColdKeyAlreadyAssociated NotEnoughBalanceToPaySwapColdKey InvalidChild DuplicateChild ' +
  'ProportionOverflow TooManyChildren TxRateLimitExceeded ColdkeySwapAnnouncementNotFound ' +
  'ColdkeySwapTooEarly ColdkeySwapReannouncedTooEarly AnnouncedColdkeyHashDoesNotMatch ' +
  'ColdkeySwapAlreadyDisputed NewColdKeyIsHotkey InvalidChildkeyTake TxChildkeyTakeRateLimitExceeded ' +
  'InvalidIdentity MechanismDoesNotExist StakeUnavailable SubnetNotExists TooManyUnrevealedCommits ' +
  'ExpiredWeightCommit RevealTooEarly InputLengthsUnequal CommittingWeightsTooFast AmountTooLow ' +
  'InsufficientLiquidity SlippageTooHigh TransferDisallowed ActivityCutoffTooLow CallDisabled ' +
  'FirstEmissionBlockNumberAlreadySet NeedWaitingMoreBlocksToStarCall NotEnoughAlphaOutToRecycle ' +
  'CannotBurnOrRecycleOnRootSubnet UnableToRecoverPublicKey InvalidRecoveredPublicKey SubtokenDisabled ' +
  'HotKeySwapOnSubnetIntervalNotPassed SameNetuid InsufficientBalance InvalidLeaseBeneficiary ' +
  'LeaseCannotEndInThePast LeaseNetuidNotFound LeaseDoesNotExist LeaseHasNoEndBlock LeaseHasNotEnded ' +
  'Overflow BeneficiaryDoesNotOwnHotkey ExpectedBeneficiaryOrigin ' +
  'AdminActionProhibitedDuringWeightsWindow SymbolDoesNotExist SymbolAlreadyInUse ' +
  'IncorrectCommitRevealVersion InvalidRevealRound RevealPeriodTooLarge RevealPeriodTooSmall ' +
  'InvalidValue SubnetLimitReached CannotAffordLockCost EvmKeyAssociateRateLimitExceeded ' +
  'SameAutoStakeHotkeyAlreadySet UidMapCouldNotBeCleared TrimmingWouldExceedMaxImmunePercentage ' +
  'ChildParentInconsistency InvalidNumRootClaim InvalidRootClaimThreshold InvalidSubnetNumber ' +
  'TooManyUIDsPerMechanism VotingPowerTrackingNotEnabled InvalidVotingPowerEmaAlpha Deprecated ' +
  'AddStakeBurnRateLimitExceeded ColdkeySwapAnnounced ColdkeySwapDisputed ColdkeySwapClearTooEarly ' +
  'DisabledTemporarily RegistrationPriceLimitExceeded LockHotkeyMismatch InsufficientStakeForLock ' +
  'NoExistingLock ActiveLockExists CannotUseSystemAccount UnlockAmountTooHigh TempoOutOfBounds ' +
  'ActivityCutoffFactorMilliOutOfBounds EpochTriggerAlreadyPending AutoEpochAlreadyImminent ' +
  'DynamicTempoBlockedByCommitReveal AccountRejectsLockedAlpha '
).trim().split(/\s+/);
